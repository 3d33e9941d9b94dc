-- GET /tasks/{id} over the ids in a file (one a line), in turn from a random start per thread:
-- wrk -s bench/wrk/get.lua URL -- IDS_FILE
package.path = debug.getinfo(1, "S").source:match("@?(.*/)") .. "?.lua;" .. package.path
local report = require("report")

local paths = {}
local i = 1

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = wrk.format("GET", "/tasks/" .. line)
    end
  end
  if #paths == 0 then
    error("no task ids in " .. tostring(args[1]))
  end
  i = math.random(#paths)
end

function request()
  i = i % #paths + 1
  return paths[i]
end

done = report.done
