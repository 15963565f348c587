-- (a) POST /v1/programmes/{pid}/synergies with unique ids, forever; or,
-- with SYNERGY_SETUP=1, exactly SYNERGY_SYNERGIES ids "s<n>" then /healthz.
dofile(os.getenv("SYNERGY_WRK_DIR") .. "/common.lua")
local n = 0
local setup_only = os.getenv("SYNERGY_SETUP") == "1"
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
  local body = '{"id":"' .. id .. '","title":"Pooled waste collection","kind":"substitution",' ..
      '"resource":"waste","occurred_on":"2020-01-01","participants":[' ..
      '{"company_id":"acme","role":"provider"},{"company_id":"bois","role":"receiver"}]}'
  return wrk.format("POST", "/v1/programmes/" .. programme .. "/synergies", headers, body)
end
