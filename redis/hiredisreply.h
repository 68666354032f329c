#pragma once

#include "redis/redisvalue.h"

struct redisReply;

namespace farmchat {

// The one place a hiredis redisReply becomes a RedisValue (used by
// RedisConnection only; nothing else in FarmChat sees hiredis types).
RedisValue toRedisValue(const redisReply *reply);

} // namespace farmchat
