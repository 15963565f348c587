-- (a) POST /v1/programmes/{pid}/synergies with unique ids, forever; or,
-- with SYNERGY_SETUP=1, exactly SYNERGY_SYNERGIES ids "s<n>" then /healthz.
dofile(os.getenv("SYNERGY_WRK_DIR") .. "/common.lua")
local n = 0
local setup_only = os.getenv("SYNERGY_SETUP") == "1"
local head
local body_rest = '","title":"Pooled waste collection","kind":"substitution",' ..
    '"resource":"waste","occurred_on":"2020-01-01","participants":[' ..
    '{"company_id":"acme","role":"provider"},{"company_id":"bois","role":"receiver"}]}'
function init(args)
  head = head_of("POST", "/v1/programmes/" .. programme .. "/synergies")
end
function request()
  if is_check_call() then return wrk.format("GET", "/healthz") end
  local id
  if setup_only then
    id = thread_id + n * 2
    if id >= synergies then return wrk.format("GET", "/healthz") end
    id = "s" .. id
  else
    id = "a" .. thread_id .. "-" .. n
  end
  n = n + 1
  local body = '{"id":"' .. id .. body_rest
  return head .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
end
