--[[ edition.lua: the full post, or the student edition without the answers.

The metadata field `edition` (mk/book.mk passes --metadata=edition:EDITION)
picks one of two books from the same Markdown:

  full     the post as written: the exercises show the kit's reference
           solutions, cut from solutions/LESSON/ (the default).
  student  what students get with their kit, before the deadline. Every
           listing cut from a file under solutions/ shows the student's stub
           instead, the same marker of the same file under lessons/ (the stubs
           carry the reference's markers), followed by a note that the
           reference is withheld. Commands that run the reference build
           (SUBMISSION=solutions/LESSON) run the student's own code. The
           numbers, figures and claims do not change: they come from runs of
           the reference build, made when the book is built in the full kit.

Text that only one edition says goes in a fenced div,
`::: {.full-edition}` or `::: {.student-edition}`: the other edition drops
it, and neither keeps the div around it.

This filter runs before book/lua/listing.lua, which then cuts whatever file
the block names; a stub without the marker fails the build there, naming
the file and the marker.
--]]

local EDITIONS = { full = true, student = true }
local edition = "full"

local function fail(msg)
  error("book: " .. msg, 0)
end

local function Meta(meta)
  if meta.edition then
    edition = pandoc.utils.stringify(meta.edition)
  end
  if not EDITIONS[edition] then
    fail(string.format("unknown edition '%s' (metadata 'edition': full or student)", edition))
  end
  if edition == "student" and meta.subtitle then
    local subtitle = pandoc.List(meta.subtitle)
    subtitle:extend({ pandoc.Str(","), pandoc.Space(), pandoc.Str("student"), pandoc.Space(),
      pandoc.Str("edition") })
    meta.subtitle = pandoc.MetaInlines(subtitle)
    return meta
  end
  return nil
end

-- The note under a withheld listing: one paragraph, plain text and code.
local function withheld_note(lesson)
  local function words(text)
    local out = {}
    for word in text:gmatch("%S+") do
      if #out > 0 then out[#out + 1] = pandoc.Space() end
      out[#out + 1] = pandoc.Str(word)
    end
    return out
  end
  local inlines = { pandoc.Strong(words("Reference solution withheld.")), pandoc.Space() }
  local parts = {
    words("This student edition shows the stub you complete;"),
    { pandoc.Space(), pandoc.Code("make check LESSON=" .. lesson), pandoc.Space() },
    words("grades yours. The reference solution is in the full post, handed out after the deadline."),
  }
  for _, part in ipairs(parts) do
    for _, el in ipairs(part) do inlines[#inlines + 1] = el end
  end
  local blocks = { pandoc.Para(inlines) }
  if FORMAT:match("latex") then
    -- An aside, not body text: a size smaller, as the listings' code is.
    blocks = { pandoc.RawBlock("latex", "\\begin{small}"), blocks[1], pandoc.RawBlock("latex", "\\end{small}") }
  end
  return pandoc.Div(blocks, pandoc.Attr("", { "note", "withheld" }, {}))
end

local function CodeBlock(block)
  if edition ~= "student" then
    return nil
  end
  local path = block.attributes["include"]
  if path then
    local lesson, rest = path:match("^solutions/([^/]+)/(.+)$")
    if not lesson then
      return nil
    end
    block.attributes["include"] = "lessons/" .. lesson .. "/" .. rest
    return { block, withheld_note(lesson) }
  end
  -- A command that runs the reference build runs the student's code instead.
  local text = block.text:gsub(" SUBMISSION=solutions/[%w_%.%-]+", "")
  if text ~= block.text then
    block.text = text
    return block
  end
  return nil
end

local function Div(div)
  if div.classes:includes("full-edition") then
    return edition == "full" and div.content or {}
  end
  if div.classes:includes("student-edition") then
    return edition == "student" and div.content or {}
  end
  return nil
end

-- Meta first: the edition must be known before the blocks are walked.
return {
  { Meta = Meta },
  { CodeBlock = CodeBlock, Div = Div },
}
