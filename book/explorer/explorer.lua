-- explorer.lua: puts the live explorer into the HTML edition.
--
-- The post marks the explorer's place with a Div of class `explorer`:
--
--     ::: {.explorer}
--     ![What the explorer shows, as a static figure.](fig/explorer)
--
--     [The HTML edition has the live explorer here: ...]{.explorer-pointer}
--     :::
--
-- The PDF (this filter does not run for it) prints the Div as it is: the
-- static figure and the one line pointing to the HTML edition. For HTML,
-- mk/explorer.mk runs this filter with `--metadata=explorer-file:PATH`, the
-- assembled explorer (book/explorer/explorer.html with its style, script and
-- compiled core): the Div becomes that markup, followed by the static figure
-- as the fallback the script hides once the explorer runs (so without
-- scripts the reader still sees the figure). The pointer line is dropped:
-- the reader is in the HTML edition already.
--
-- Errors stop the build: an explorer file given but no place for it, a place
-- but no file, or two places.

local explorer_file = nil
local places = 0

local function is_pointer(block)
  if block.t ~= "Para" and block.t ~= "Plain" then return false end
  for _, inline in ipairs(block.content) do
    if inline.t == "Span" and inline.classes:includes("explorer-pointer") then return true end
  end
  return false
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then error("explorer.lua: cannot read the explorer file " .. path) end
  local text = f:read("a")
  f:close()
  return text
end

function Meta(meta)
  if meta["explorer-file"] then explorer_file = pandoc.utils.stringify(meta["explorer-file"]) end
end

function Div(div)
  if not div.classes:includes("explorer") then return nil end
  places = places + 1
  if places > 1 then error("explorer.lua: the text has more than one ::: {.explorer} place") end
  if not explorer_file then
    error("explorer.lua: the text has an explorer place but no --metadata=explorer-file was given")
  end
  local fallback = {}
  for _, block in ipairs(div.content) do
    if not is_pointer(block) then table.insert(fallback, block) end
  end
  return {
    pandoc.RawBlock("html", read_file(explorer_file)),
    pandoc.Div(fallback, pandoc.Attr("", { "explorer-fallback" })),
  }
end

function Pandoc(doc)
  if explorer_file and places == 0 then
    error("explorer.lua: --metadata=explorer-file was given, but the text has no ::: {.explorer} place")
  end
  return doc
end

return { { Meta = Meta }, { Div = Div, Pandoc = Pandoc } }
