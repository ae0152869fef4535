-- wrk script for bench/reads.py and bench/writes.py.
--
--   wrk -t T -c C -d 15s -s bench/wrk.lua URL -- MODE FILE RATE TOKEN T TRACK
--
-- MODE "get":  each request is GET <wrk.path>/<a random line of FILE> (record ids).
-- MODE "post": each request POSTs the next line of FILE (JSON bodies) to <wrk.path>; thread
--              n of T takes lines n, n+T, n+2T, ... so no two requests send the same body.
-- RATE 0: closed loop (each connection sends its next request when the last is answered);
--              wrk's own latency (send to answer) is the one to read.
-- RATE r > 0: each thread sends r requests/s on a fixed schedule and measures each latency
--              from its *scheduled* start, so a stalled server cannot hide behind the
--              requests it delayed (wrk2's correction for coordinated omission). Run with
--              one connection per thread (-t C -c C) so that answers pair with requests.
-- TOKEN, unless empty, is sent as the bearer token; T repeats wrk's thread count.
-- TRACK "1" (one connection per thread) also counts requests still unanswered when the run
--              ends: "waiting" (sent over 2 s before) and "stalled" (over 10 s, wrk's
--              timeout); a deadlocked server answers nothing, and wrk counts no error for a
--              request it never sees answered.
-- done() prints one line "WRK-RESULT {json}" that bench/load.py reads.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local CLOCK_MONOTONIC = 1

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
   return tonumber(clock.tv_sec) * 1e6 + tonumber(clock.tv_nsec) / 1e3
end

local threads = {}
local counter = 0

function setup(thread)
   thread:set("thread_index", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local lines = {}
local cursor = 0
local mode, base_path
local interval_us = 0
local next_slot = nil
local paced = false
local WAITING_US = 2e6
local STALL_US = 10e6
latencies = {}
failures = 0
outstanding = false
scheduled = 0
sent_at = 0

local function load_lines(file, step, offset)
   local n = 0
   for line in io.lines(file) do
      if line ~= "" then
         if n % step == offset then
            table.insert(lines, line)
         end
         n = n + 1
      end
   end
end

function init(args)
   mode = args[1]
   local file, rate, thread_count = args[2], tonumber(args[3]) or 0, tonumber(args[5]) or 1
   if args[4] and args[4] ~= "" then
      wrk.headers["Authorization"] = "Bearer " .. args[4]
   end
   base_path = wrk.path
   if mode == "post" then
      wrk.method = "POST"
      wrk.headers["Content-Type"] = "application/json"
      load_lines(file, thread_count, thread_index)
   else
      load_lines(file, 1, 0)
   end
   math.randomseed(7919 * (thread_index + 1))
   paced = rate > 0
   if paced then
      interval_us = 1e6 / rate
      -- Defined only in paced runs: wrk asks for a delay before every request when it exists.
      delay = function()
         if next_slot == nil then
            return 0
         end
         local wait = (next_slot - now_us()) / 1000
         return wait > 0 and math.ceil(wait) or 0
      end
   end
   if paced or args[6] == "1" then
      -- Defined only when answers pair with requests (one connection per thread).
      response = function(status, headers, body)
         outstanding = false
         if paced then
            table.insert(latencies, now_us() - scheduled)
         end
         if status >= 400 then
            failures = failures + 1
         end
      end
   end
end

function request()
   local now = now_us()
   scheduled = paced and (next_slot or now) or now
   next_slot = scheduled + interval_us
   outstanding = true
   sent_at = now
   if mode == "post" then
      cursor = cursor % #lines + 1
      return wrk.format(nil, base_path, nil, lines[cursor])
   end
   return wrk.format(nil, base_path .. "/" .. lines[math.random(#lines)])
end

local function percentile(sorted, p)
   if #sorted == 0 then
      return 0
   end
   local index = math.max(1, math.min(#sorted, math.ceil(p / 100 * #sorted)))
   return sorted[index]
end

function done(summary, latency, requests)
   local from_schedule = {}
   local waiting, stalled = 0, 0
   local now = now_us()
   for _, thread in ipairs(threads) do
      for _, value in ipairs(thread:get("latencies") or {}) do
         table.insert(from_schedule, value)
      end
      local age = now - thread:get("sent_at")
      if thread:get("outstanding") and age > WAITING_US then
         waiting = waiting + 1
         if age > STALL_US then
            stalled = stalled + 1
         end
      end
   end
   table.sort(from_schedule)
   local e = summary.errors
   local p50, p99 = latency:percentile(50), latency:percentile(99)
   if #from_schedule > 0 then
      p50, p99 = percentile(from_schedule, 50), percentile(from_schedule, 99)
   end
   io.write(string.format(
      'WRK-RESULT {"requests": %d, "seconds": %.3f, "status_errors": %d, ' ..
      '"socket_errors": %d, "timeouts": %d, "p50_us": %.0f, "p99_us": %.0f, ' ..
      '"max_us": %.0f, "waiting": %d, "stalled": %d}\n',
      summary.requests, summary.duration / 1e6, e.status,
      e.connect + e.read + e.write, e.timeout, p50, p99, latency.max, waiting, stalled))
end
