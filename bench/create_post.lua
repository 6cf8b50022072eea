-- POST a urlencoded form read from $CREATE_BODY_FILE (CSRF token included;
-- the Cookie header comes with -H) and count every answer that is not the
-- 302 to the new ticket: a form error (200), a rate limit (429) or a login
-- redirect would otherwise pass for a fast create.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("CREATE_BODY_FILE"), "r"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  not302 = 0
end

function response(status, headers, body)
  if status ~= 302 then
    not302 = not302 + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("not302")
  end
  io.write(string.format("not302: %d\n", total))
end
