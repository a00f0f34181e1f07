-- wrk script: chat-stream.lua as a streamed Responses request: the gateway translates each of the 20 upstream events.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
wrk.headers["X-Events"] = "20"
wrk.headers["X-Gap-Ms"] = "0"
wrk.body = '{"model":"kimi-for-coding","instructions":"You are a helpful coding assistant.","input":"Write a haiku about reverse proxies.","temperature":0.6,"stream":true}'
