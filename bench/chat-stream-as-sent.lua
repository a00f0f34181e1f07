-- wrk script: chat-stream.lua with "temperature":1, which a thinking model takes: since issue 21 the gateway rewrites
-- 0.6 to 1 on kimi-for-coding (it always thinks), so this is the same stream with nothing to rewrite, byte for byte.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "chat-stream.lua")
local replaced
wrk.body, replaced = wrk.body:gsub('"temperature":0%.6,', '"temperature":1,')
assert(replaced == 1, "chat-stream.lua no longer sends temperature 0.6")
