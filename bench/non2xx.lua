-- Counts every response outside 200-299. wrk's own "Non-2xx or 3xx" line
-- skips redirects, and a redirect to the login page is the failure we fear.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
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
