-- POST /tasks {"kind":"sleep","seconds":S}: wrk -s bench/wrk/post.lua URL/tasks -- [S, default 1]
package.path = debug.getinfo(1, "S").source:match("@?(.*/)") .. "?.lua;" .. package.path
local report = require("report")

function init(args)
  local seconds = args[1] or "1"
  wrk.method = "POST"
  wrk.body = '{"kind":"sleep","seconds":' .. seconds .. '}'
  wrk.headers["Content-Type"] = "application/json"
end

done = report.done
