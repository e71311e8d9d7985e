--[[ numbers.lua: every number the text quotes comes from the runs.

The text writes a placeholder, {{KEY}} or {{KEY:FORMAT}}, wherever it quotes a
result: {{constant.final_loss}}, {{lr_bound:.3f}}, {{cmd.step}}. A number
derived from results is an expression: {{=exponential.initial_lr / (1 -
exponential.gamma)}}, with an optional :FORMAT too. This filter replaces
each one with the value that book/scripts/book_numbers.py computed from the runs
of the reference build (a file of KEY<TAB>VALUE lines, named by the metadata
field `numbers-file`); book_numbers.py also evaluates every expression of the
text, under the key "=EXPRESSION" (whitespace removed), so no arithmetic
happens here.

FORMAT is a printf conversion without the '%': `.3f`, `.2e`, `.4g`, `d`.
Without one, an integer is written as an integer and any other number with
five significant digits. A number in scientific notation is typeset as
a x 10^b (in prose, in math and in captions).

The filter also checks the claim marks, [sentence]{.claim ref=ID} (or
ref="ID1 ID2" when a sentence makes several comparisons): every ID
must name a claim in the file given by `claims-file`, whose checker
(book/scripts/book_numbers.py) guards it against the runs.

The build fails on an unknown key, a malformed placeholder, or an unknown
claim: a number is never typed by hand, and never silently left out.
--]]

local values = {}
local claims = {}
local PLACEHOLDER = "{{([^{}]*)}}"

local function fail(msg)
  error("book: " .. msg, 0)
end

local function load_numbers(path)
  local f = io.open(path, "r")
  if not f then fail("numbers file '" .. path .. "' cannot be read (make book creates it from the runs)") end
  for line in f:lines() do
    local key, value = line:match("^([^\t]+)\t(.*)$")
    if key then values[key] = value end
  end
  f:close()
end

local function load_claims(path)
  local f = io.open(path, "r")
  if not f then fail("claims file '" .. path .. "' cannot be read") end
  for line in f:lines() do
    local id = line:match("^([%w_%-%.]+)%s")
    if id and not line:match("^%s*#") then claims[id] = true end
  end
  f:close()
end

-- Splits "1.9807e+29" into mantissa "1.9807" and exponent "29".
local function split_exponent(s)
  local mant, exp = s:match("^(%-?[%d%.]+)e([%+%-]%d+)$")
  if not mant then return nil end
  return mant, tostring(tonumber(exp))
end

local function unknown_key(spec, key)
  local near = {}
  local prefix = key:match("^[^%.]+")
  for k in pairs(values) do
    if k:sub(1, #prefix) == prefix then near[#near + 1] = k end
  end
  table.sort(near)
  fail("unknown placeholder {{" .. spec .. "}}: no run or setting gives '" .. key .. "'"
    .. (#near > 0 and (" (keys with that prefix: " .. table.concat(near, ", ", 1, math.min(#near, 12)) .. ")") or ""))
end

-- An expression's value, computed by book/scripts/book_numbers.py (the one place
-- expressions are evaluated), under the key "=EXPR" with whitespace removed.
local function expression_value(spec, expr)
  local key = "=" .. expr:gsub("%s+", "")
  local v = values[key]
  if v == nil then
    fail("placeholder {{" .. spec .. "}}: the expression '" .. expr .. "' has no value in the numbers file"
      .. " (book/scripts/book_numbers.py evaluates every {{=...}} of the text; a key it names may not exist)")
  end
  return tonumber(v) or fail("placeholder {{" .. spec .. "}} is not a number: " .. v)
end

local function format_number(num, fmt)
  if fmt then
    if fmt:match("d$") then num = math.floor(num + 0.5) end
    return string.format("%" .. fmt, num)
  end
  if num == math.floor(num) and math.abs(num) < 1e15 then
    return string.format("%d", num)
  end
  return string.format("%.5g", num)
end

-- The text of placeholder `spec`: "KEY", "KEY:FORMAT", "=EXPR" or "=EXPR:FORMAT".
local FORMAT = "[%-%+ #0]*%d*%.?%d*[dfgeGE]"
local function lookup(spec)
  local body, fmt = spec:match("^%s*(.-)%s*:%s*(" .. FORMAT .. ")%s*$")
  if not body then body = spec:match("^%s*(.-)%s*$") end
  if body:sub(1, 1) == "=" then
    return format_number(expression_value(spec, body:sub(2)), fmt)
  end
  local key = body:match("^[%a][%w_%.%-]*$")
  if not key then
    fail("malformed placeholder {{" .. spec .. "}}: write {{KEY}}, {{KEY:FORMAT}} or {{=EXPRESSION:FORMAT}}, such as {{constant.final_loss:.6f}}")
  end
  local raw = values[key]
  if raw == nil then unknown_key(spec, key) end
  local num = tonumber(raw)
  if not num then
    if fmt then fail("placeholder {{" .. spec .. "}} has a format but '" .. key .. "' is not a number: " .. raw) end
    return raw
  end
  return format_number(num, fmt)
end

-- Inlines for prose: "a x 10^b" becomes a, a times sign, 10 and a superscript.
-- A negative number gets a minus sign (U+2212), not a hyphen.
local function minus(text)
  return (text:gsub("^%-", "\u{2212}"))
end

local function prose(text)
  local mant, exp = split_exponent(text)
  if not mant then return { pandoc.Str(minus(text)) } end
  return { pandoc.Str(minus(mant) .. "\u{00A0}\u{00D7}\u{00A0}10"), pandoc.Superscript({ pandoc.Str(minus(exp)) }) }
end

local function math_text(text)
  local mant, exp = split_exponent(text)
  if not mant then return text end
  return mant .. " \\times 10^{" .. exp .. "}"
end

local function substitute_string(s)
  return (s:gsub(PLACEHOLDER, function(spec) return lookup(spec) end))
end

local function Str(el)
  if not el.text:find("{{", 1, true) then return nil end
  local out, pos = {}, 1
  while true do
    local a, b, spec = el.text:find(PLACEHOLDER, pos)
    if not a then break end
    if a > pos then out[#out + 1] = pandoc.Str(el.text:sub(pos, a - 1)) end
    for _, inl in ipairs(prose(lookup(spec))) do out[#out + 1] = inl end
    pos = b + 1
  end
  if pos <= #el.text then out[#out + 1] = pandoc.Str(el.text:sub(pos)) end
  return out
end

-- A placeholder with spaces ({{=a / (1 - b)}}) reaches the filter split
-- into several Str and Space elements: join them back into one Str first.
local function opens_placeholder(text)
  local _, opens = text:gsub("{{", "")
  local _, closes = text:gsub("}}", "")
  return opens > closes
end

local function Inlines(inlines)
  local out, i = pandoc.List(), 1
  while i <= #inlines do
    local el = inlines[i]
    if el.t == "Str" and opens_placeholder(el.text) then
      local text, j = el.text, i + 1
      while opens_placeholder(text) and j <= #inlines do
        local nxt = inlines[j]
        if nxt.t == "Str" then
          text = text .. nxt.text
        elseif nxt.t == "Space" or nxt.t == "SoftBreak" or nxt.t == "LineBreak" then
          text = text .. " "
        else
          break
        end
        j = j + 1
      end
      if opens_placeholder(text) then
        fail("unclosed placeholder in the text near '" .. text:sub(1, 60) .. "': write {{KEY}} or {{=EXPRESSION}}")
      end
      out:insert(pandoc.Str(text))
      i = j
    else
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

local function Math(el)
  if not el.text:find("{{", 1, true) then return nil end
  el.text = el.text:gsub(PLACEHOLDER, function(spec) return math_text(lookup(spec)) end)
  return el
end

local function Code(el)
  el.text = substitute_string(el.text)
  return el
end

local function CodeBlock(el)
  -- Listings cut from source files are shown exactly as they are.
  if el.attributes["source"] then return nil end
  el.text = substitute_string(el.text)
  return el
end

local function Span(el)
  if not el.classes:includes("claim") then return nil end
  local refs = el.attributes["ref"]
  if not refs or not refs:match("%S") then
    fail("a claim mark needs ref=ID (the ID of a line in the claims file)")
  end
  for ref in refs:gmatch("[^%s,]+") do
    if not claims[ref] then
      fail("claim mark with ref='" .. ref .. "' names no claim in the claims file; add the claim (and its test) or fix the ref")
    end
  end
  return el.content
end

local function Meta(meta)
  local numbers = meta["numbers-file"]
  local claims_file = meta["claims-file"]
  if not numbers then fail("metadata 'numbers-file' is not set (mk/book.mk passes it)") end
  if not claims_file then fail("metadata 'claims-file' is not set (mk/book.mk passes it)") end
  load_numbers(pandoc.utils.stringify(numbers))
  load_claims(pandoc.utils.stringify(claims_file))
  return nil
end

-- Meta first: the values must be loaded before the document is walked.
-- then placeholders split by spaces are joined, then everything is replaced.
return {
  { Meta = Meta },
  { Inlines = Inlines },
  { Str = Str, Math = Math, Code = Code, CodeBlock = CodeBlock, Span = Span },
}
