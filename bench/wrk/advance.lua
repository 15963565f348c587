-- Setup: every synergy s<n> once through SYNERGY_STEP ("study" or
-- "operation"), then /healthz.
dofile(os.getenv("SYNERGY_WRK_DIR") .. "/common.lua")
local step = os.getenv("SYNERGY_STEP")
local n = 0
function request()
  if is_check_call() then return wrk.format("GET", "/healthz") end
  local id = thread_id + n * 2
  if id >= synergies then return wrk.format("GET", "/healthz") end
  n = n + 1
  local body
  if step == "study" then
    body = '{"occurred_on":"2020-02-01","aspects":{},"decision":"go","estimated":{"savings_eur":1000}}'
  else
    body = '{"occurred_on":"2020-03-01"}'
  end
  return wrk.format("POST", "/v1/synergies/s" .. id .. "/" .. step, headers, body)
end
