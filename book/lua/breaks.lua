--[[ breaks.lua: a file path in inline code may break after a slash in the PDF.

TeX never breaks inside \texttt, so a long path such as
`lessons/3.2/schedulers.c` can push its line into the margin (make test-book
fails on any overfull line of the LaTeX log). For LaTeX output, inline code
made only of letters, digits, '.', '-' and '/' is written with an
\allowbreak after each slash; everything else is left to pandoc.
--]]

if not FORMAT:match("latex") then return {} end

function Code(el)
  if not el.text:find("/", 1, true) or not el.text:match("^[%w%./%-]+$") then return nil end
  return pandoc.RawInline("latex", "\\texttt{" .. el.text:gsub("/", "/\\allowbreak{}") .. "}")
end
