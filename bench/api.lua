-- wrk script for bench/api.py (bench/wrk.py): every request carries a learner's JWT, rotating over
-- the tokens in $BENCH_TOKENS (one per line), so per-learner endpoints see 100 learners
-- and not one warm row. Each wrk thread starts at a different learner.
local threads = 0
local tokens = {}
local next_token = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
  if #tokens == 0 then
    error("no tokens in " .. os.getenv("BENCH_TOKENS"))
  end
  next_token = (thread_number or 1) * 37
end

function request()
  next_token = next_token % #tokens + 1
  return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[next_token] })
end
