-- wrk script: the same chat completion with the virtual model, which the gateway rewrites into
-- model kimi-for-coding + thinking:true (a byte splice).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
wrk.body = '{"model":"kimi-for-coding-thinking","messages":[{"role":"system","content":"You are a helpful coding assistant."},{"role":"user","content":"Write a haiku about reverse proxies."}],"temperature":0.6,"stream":false}'
