-- wrk script: chat-stream.lua with "temperature":1, which a thinking model takes: since issue 21 the gateway rewrites
-- 0.6 to 1 on kimi-for-coding (it always thinks), so this is the same stream with nothing to rewrite, byte for byte.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
wrk.headers["X-Events"] = "20"
wrk.headers["X-Gap-Ms"] = "0"
wrk.body = '{"model":"kimi-for-coding","messages":[{"role":"system","content":"You are a helpful coding assistant."},{"role":"user","content":"Write a haiku about reverse proxies."}],"temperature":1,"stream":true,"stream_options":{"include_usage":true}}'
