-- wrk script: POST /v1/orders with a unique Idempotency-Key per request.
-- Environment: TOKEN (a customer's bearer token), BODY (the order JSON).
local token = os.getenv("TOKEN")
local body = os.getenv("BODY")
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("prefix", string.format("bench-%d-%d", os.time(), threads))
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
