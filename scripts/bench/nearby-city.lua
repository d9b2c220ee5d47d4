-- wrk script: GET /v1/restaurants/nearby at random points of the generated city (tiffin bench-city).
-- The square: 52.52 ± 0.25 latitude, 13.405 ± 0.41 longitude.
math.randomseed(42)
function request()
    local lat = 52.52 + (math.random() * 2 - 1) * 0.25
    local lon = 13.405 + (math.random() * 2 - 1) * 0.41
    return wrk.format("GET", string.format("/v1/restaurants/nearby?lat=%.5f&lon=%.5f", lat, lon))
end

function done(summary, latency, requests)
    io.write(string.format("requests %d, non-2xx %d, p50 %.2f ms, p99 %.2f ms\n",
        summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
