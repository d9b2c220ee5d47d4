-- wrk script: POST /v1/orders with a unique Idempotency-Key per request.
-- Environment: TOKEN (a customer's bearer token), BODY (the order JSON).
local token = os.getenv("TOKEN")
local body = os.getenv("BODY")
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("prefix", string.format("bench-%d-%d", os.time(), threads))
end

-- RETRY_AFTER=1: a connection answered 503 waits its Retry-After before its next request, as a
-- client that honours it would; unset, it retries at once (the worst case for the server).
local honour = os.getenv("RETRY_AFTER") == "1"
local wait = 0

function response(status, headers, body)
    if honour and status == 503 then
        wait = (tonumber(headers["Retry-After"] or headers["retry-after"] or "1") or 1) * 1000
    end
end

function delay()
    local ms = wait
    wait = 0
    return ms
end

local counter = 0
function request()
    counter = counter + 1
    local headers = {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = prefix .. "-" .. counter,
    }
    return wrk.format("POST", "/v1/orders", headers, body)
end

function done(summary, latency, requests)
    local non2xx = summary.errors.status
    io.write(string.format("requests %d, non-2xx %d, p50 %.2f ms, p99 %.2f ms\n",
        summary.requests, non2xx, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
