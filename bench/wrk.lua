-- wrk script for bench/reads.py and bench/writes.py.
--
--   wrk -t T -c C -d 15s -s bench/wrk.lua URL -- MODE FILE RATE TOKEN T PAIR
--
-- MODE "get":  each request is GET <wrk.path>/<a random line of FILE> (record ids).
-- MODE "post": each request POSTs the next line of FILE (JSON bodies) to <wrk.path>; thread
--              n of T takes lines n, n+T, n+2T, ... so no two requests send the same body.
-- RATE 0: closed loop (each connection sends its next request when the last is answered);
--              wrk's own latency (send to answer) is the one to read.
-- RATE r > 0: each thread sends r requests/s on a fixed schedule, shared by its connections,
--              and measures each latency from the request's *scheduled* start, so a stalled
--              server cannot hide behind the requests it delayed (wrk2's correction for
--              coordinated omission). Needs PAIR.
-- PAIR: how an answer finds its request, since wrk's response() is not told which
--              connection answered. "order": one connection per thread (-t C -c C), so the
--              thread's one request in flight is the one answered. "id" (MODE get only):
--              both servers answer the record with its "id", the id the request asked for.
--              Either also counts requests still unanswered when the run ends: "waiting"
--              (sent over 2 s before) and "stalled" (over 10 s, wrk's timeout); a
--              deadlocked server answers nothing, and wrk counts no error for a request it
--              never sees answered. "" (closed loop only): no pairing, no response() callback
--              (collecting every answer's headers and body costs wrk CPU).
-- TOKEN, unless empty, is sent as the bearer token; T repeats wrk's thread count.
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
local mode, base_path, pair
-- wrk calls request() once in thread 0 before the run, to check what it returns, and never
-- sends that request.
local checking = false
local paced = false
local interval_us = 0
local next_slot = nil
-- Slots delay() gave to connections that have not sent yet, oldest first.
local reserved = {}
-- Requests in flight under each key (a record id, or "" for "order"), oldest first.
local by_key = {}
-- sequence number -> {key, start (µs, where its latency counts from)}
local inflight = {}
local sequence = 0
local WAITING_US = 2e6
local STALL_US = 10e6
-- Globals, so that done() can read them from each thread (wrk copies only flat tables).
latencies = {}
sent_at = {} -- sequence number -> when it was sent (µs), for the requests in flight
-- Successful answers that named no request in flight. Each error answer, paired with the
-- oldest request, can leave one; more than that means the answers stopped naming the ids.
unpaired = 0

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

local function reserve(now)
   local slot = next_slot or now
   next_slot = slot + interval_us
   return slot
end

-- The scheduled start of the request being sent: the oldest slot delay() handed out, since
-- wrk's timers due together fire newest first. A request after a reconnect comes without a
-- delay() call and takes a slot of its own.
local function start_of(now)
   local slot = table.remove(reserved, 1) or reserve(now)
   return math.min(slot, now)
end

local function untrack(key, number)
   local queue = by_key[key]
   for i, queued in ipairs(queue) do
      if queued == number then
         table.remove(queue, i)
         break
      end
   end
   if #queue == 0 then
      by_key[key] = nil
   end
   local entry = inflight[number]
   inflight[number] = nil
   sent_at[number] = nil
   return entry
end

local function track(key, now)
   if pair == "order" and by_key[""] then
      -- The thread's one connection sends again: its request in flight was lost with the
      -- connection (wrk counted the socket error). With "id", such a request stays in
      -- flight and counts as waiting if the run ends over 2 s later.
      untrack("", by_key[""][1])
   end
   sequence = sequence + 1
   inflight[sequence] = { key = key, start = paced and start_of(now) or now }
   sent_at[sequence] = now
   local queue = by_key[key]
   if queue == nil then
      queue = {}
      by_key[key] = queue
   end
   table.insert(queue, sequence)
end

-- The oldest request in flight: for an answer that names no request (an error's body has
-- no record id), the most pessimistic choice; the error counts anyway.
local function oldest()
   local found = nil
   for number in pairs(inflight) do
      if found == nil or number < found then
         found = number
      end
   end
   return found
end

local function answered(status, headers, body)
   local key = pair == "id" and body:match('"id":"([^"]+)"') or ""
   local queue = by_key[key]
   if queue == nil and status < 400 then
      unpaired = unpaired + 1
   end
   local number = queue and queue[1] or oldest()
   if number == nil then
      return
   end
   local entry = untrack(inflight[number].key, number)
   if paced then
      table.insert(latencies, now_us() - entry.start)
   end
end

function init(args)
   mode = args[1]
   local file, rate, thread_count = args[2], tonumber(args[3]) or 0, tonumber(args[5]) or 1
   if args[4] and args[4] ~= "" then
      wrk.headers["Authorization"] = "Bearer " .. args[4]
   end
   pair = args[6] ~= "" and args[6] or nil
   base_path = wrk.path
   if mode == "post" then
      wrk.method = "POST"
      wrk.headers["Content-Type"] = "application/json"
      load_lines(file, thread_count, thread_index)
   else
      load_lines(file, 1, 0)
   end
   math.randomseed(7919 * (thread_index + 1))
   checking = thread_index == 0
   paced = rate > 0
   assert(pair or not paced, "a paced run needs PAIR")
   if paced then
      interval_us = 1e6 / rate
      -- Defined only in paced runs: wrk calls it for a connection before each of its
      -- requests (the first one too). Each call takes the thread's next slot, so the
      -- connections share one schedule, and waits for it; a slot already past (every
      -- connection was busy) is sent at once and its latency still counts from the slot.
      -- wrk waits in whole milliseconds: rounding down sends up to 1 ms early, and
      -- request() then counts from the actual send, never from a later slot.
      delay = function()
         local now = now_us()
         local slot = reserve(now)
         table.insert(reserved, slot)
         return math.max(0, math.floor((slot - now) / 1000))
      end
   end
   if pair then
      response = answered
   end
end

local function tracked(key)
   if checking then
      checking = false
   elseif pair then
      track(key, now_us())
   end
end

function request()
   if mode == "post" then
      cursor = cursor % #lines + 1
      tracked("")
      return wrk.format(nil, base_path, nil, lines[cursor])
   end
   local id = lines[math.random(#lines)]
   tracked(pair == "id" and id or "")
   return wrk.format(nil, base_path .. "/" .. id)
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
   local waiting, stalled, unmatched = 0, 0, 0
   local now = now_us()
   for _, thread in ipairs(threads) do
      for _, value in ipairs(thread:get("latencies") or {}) do
         table.insert(from_schedule, value)
      end
      unmatched = unmatched + thread:get("unpaired")
      for _, sent in pairs(thread:get("sent_at") or {}) do
         local age = now - sent
         if age > WAITING_US then
            waiting = waiting + 1
            if age > STALL_US then
               stalled = stalled + 1
            end
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
      '"max_us": %.0f, "waiting": %d, "stalled": %d, "unpaired": %d}\n',
      summary.requests, summary.duration / 1e6, e.status,
      e.connect + e.read + e.write, e.timeout, p50, p99, latency.max, waiting, stalled,
      unmatched))
end
