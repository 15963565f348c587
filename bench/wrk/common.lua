-- Shared by the wrk scripts: the token and the programme come from the
-- environment (SYNERGY_TOKEN, SYNERGY_PROGRAMME), each wrk thread gets its
-- own number so that threads never share a synergy.
token = os.getenv("SYNERGY_TOKEN")
programme = os.getenv("SYNERGY_PROGRAMME") or "bench"
synergies = tonumber(os.getenv("SYNERGY_SYNERGIES") or "2000")
local counter = 0
function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
end
headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
function headers_with(extra)
  local h = {}
  for k, v in pairs(headers) do h[k] = v end
  for k, v in pairs(extra) do h[k] = v end
  return h
end
-- wrk calls request() once on its first thread to check the script, and
-- never sends what that call returns. A script whose every request must go
-- out (the set-up's) begins request() with this, true on that one call.
local checked = false
function is_check_call()
  if thread_id ~= 0 or checked then return false end
  checked = true
  return true
end
