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
-- The request line and headers of a request with a JSON body, up to the
-- Content-Length header, which the caller adds with the body: what
-- wrk.format writes, built by concatenation. wrk shares the two cores with
-- the server, and wrk.format (a table and a format per header) at every
-- request took a quarter of wrk's time per command. Call it from init()
-- or later: wrk sets the Host header before init().
function head_of(method, path)
  return method .. " " .. path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"] ..
      "\r\nAuthorization: Bearer " .. token .. "\r\nContent-Type: application/json\r\n"
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
