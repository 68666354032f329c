#include "redis/hiredisreply.h"

#include <hiredis/hiredis.h>

namespace farmchat {

RedisValue toRedisValue(const redisReply *reply)
{
    if (!reply)
        return RedisValue::linkError(QStringLiteral("no reply"));
    switch (reply->type) {
    case REDIS_REPLY_STRING:
        return RedisValue::bulk(QByteArray(reply->str, qsizetype(reply->len)));
    case REDIS_REPLY_STATUS:
        return RedisValue::status(QByteArray(reply->str, qsizetype(reply->len)));
    case REDIS_REPLY_ERROR:
        return RedisValue::error(QByteArray(reply->str, qsizetype(reply->len)));
    case REDIS_REPLY_INTEGER:
        return RedisValue::integer(reply->integer);
    case REDIS_REPLY_NIL:
        return RedisValue();
    case REDIS_REPLY_ARRAY: {
        // hiredis limits nesting to 7 levels, so this recursion is bounded.
        QList<RedisValue> elements;
        elements.reserve(qsizetype(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i)
            elements.append(toRedisValue(reply->element[i]));
        return RedisValue::array(std::move(elements));
    }
    default:
        return RedisValue::error(QByteArrayLiteral("reply of an unknown type"));
    }
}

} // namespace farmchat
