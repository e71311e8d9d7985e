--[[ math.lua: MathML that Chromium and Firefox typeset without gaps.

pandoc 2.17 (texmath) marks every parenthesis and bracket of a formula as a
stretchy fence, <mo stretchy="true" form="prefix">(</mo>, and browsers that
implement MathML Core then put operator spacing around each one: "L ( θ )"
instead of "L(θ)". This filter renders each formula to MathML itself
(pandoc.write, the same writer --mathml uses) and marks plain parentheses and
brackets as not stretchy; only the fences around a matrix or a case table
(an <mtable>) keep stretching. HTML output only; LaTeX gets the formulas
untouched.
--]]

if not FORMAT:match("html") then return {} end

local KEEP_OPEN, KEEP_CLOSE = "\1open\1", "\1close\1"

local function unstretch(html)
  -- Fences that enclose a table must stretch to its height: set them aside.
  html = html:gsub('<mo stretchy="true" form="prefix">([%(%[])</mo>(<mtable)', KEEP_OPEN .. "%1\2%2")
  html = html:gsub('(</mtable>)<mo stretchy="true" form="postfix">([%)%]])</mo>', "%1" .. KEEP_CLOSE .. "%2\2")
  html = html:gsub('<mo stretchy="true" form="(%a+)">([%(%)%[%]])</mo>', '<mo stretchy="false" form="%1">%2</mo>')
  html = html:gsub(KEEP_OPEN .. "(.)\2", '<mo stretchy="true" form="prefix">%1</mo>')
  html = html:gsub(KEEP_CLOSE .. "(.)\2", '<mo stretchy="true" form="postfix">%1</mo>')
  return html
end

function Math(el)
  local html = pandoc.write(pandoc.Pandoc({ pandoc.Plain({ el }) }), "html", { html_math_method = "mathml" })
  return pandoc.RawInline("html", unstretch((html:gsub("\n$", ""))))
end
