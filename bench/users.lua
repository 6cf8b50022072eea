-- Many agents at once: each request carries the next of the sessions listed
-- one per line in the file given as the script's argument (web.py --users),
-- each thread starting elsewhere in the list. Counts every response outside
-- 200-299 like non2xx.lua, and prints the total the same way.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  cookies = {}
  for line in io.lines(args[1]) do
    table.insert(cookies, line)
  end
  sent = id * 7
end

function request()
  sent = sent + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Cookie"] = cookies[(sent % #cookies) + 1]
  return wrk.format(nil, nil, headers)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("non2xx")
  end
  io.write(string.format("non2xx: %d\n", total))
end
