// libFuzzer target: bytes from a Redis server as the node handles them. They go
// through hiredis' own reader (redisReaderFeed) with the node's ReplyGuard
// installed, become RedisValues (redis/hiredisreply), and reach the parsers
// that read them: XREAD and XRANGE replies into stream entries, and, on a
// subscriber link, pub/sub frames into RedisSubscriptions. What the guard lets
// through must not be what hiredis 0.14's async layer assert()s on: a pub/sub
// frame of the wrong shape, or a reply no command was waiting for.
#include "backplane/streams/streamentry.h"
#include "fuzz/fuzzinput.h"
#include "redis/hiredisreply.h"
#include "redis/redissubscriptions.h"
#include "redis/replyguard.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <cstring>

using namespace farmchat;

namespace {

// What hiredis 0.14's __redisGetSubscribeCallback() assert()s about a frame.
void checkSubscriberFrame(const redisReply *reply)
{
    if (reply->type != REDIS_REPLY_ARRAY)
        return;
    if (reply->elements < 2 || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_STRING)
        fuzz::fail("the guard let through a pub/sub frame hiredis asserts on");
    // Exactly as hiredis reads it: a C string, so an embedded NUL ends the kind.
    const char *kind = reply->element[0]->str;
    if (kind[0] == 'p' || kind[0] == 'P')
        ++kind;
    if (qstricmp(kind, "unsubscribe") == 0
        && (reply->elements < 3 || reply->element[2]->type != REDIS_REPLY_INTEGER))
        fuzz::fail("the guard let through an unsubscribe frame hiredis asserts on");
}

void checkCommandReply(const RedisValue &value)
{
    (void)value.describe();
    (void)value.expectOk("reply");
    (void)value.expectInteger("reply");
    (void)value.expectString("reply");
    (void)StreamEntry::idOf(value);
    (void)StreamEntry::parse(value, QStringLiteral("lobby"));
    // XREAD: [[key, [entry, ...]], ...]
    const auto batches = parseXReadReply(value);
    if (batches) {
        for (const StreamBatch &batch : batches.value()) {
            const QString room = QString::fromUtf8(batch.key.mid(batch.key.lastIndexOf(':') + 1));
            for (const RedisValue &entry : batch.entries) {
                const auto parsed = StreamEntry::parse(entry, room);
                if (parsed && (parsed->message.room != room || parsed->streamId.isEmpty()))
                    fuzz::fail("a stream entry was accepted for another room or without an id");
            }
        }
    }
    // XRANGE / XREVRANGE: [entry, ...]
    if (value.isArray()) {
        for (const RedisValue &entry : value.elements())
            (void)StreamEntry::parse(entry, QStringLiteral("lobby"));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz::ChunkedInput in = fuzz::ChunkedInput::from(data, size);
    // First byte: bit 0 a subscriber link, bit 1 a command link with no
    // command waiting, bit 2 a sharded subscriber (s-frames).
    const bool subscriber = size > 0 && (data[0] & 1);
    const bool sharded = subscriber && (data[0] & 4);
    const bool nobodyWaiting = !subscriber && size > 0 && (data[0] & 2);
    // Only what ReplyGuard reads of a context: its reader and its callback queue.
    redisAsyncContext context {};
    context.c.reader = redisReaderCreate();
    redisCallback waiting {};
    context.replies.head = nobodyWaiting ? nullptr : &waiting;
    ReplyGuard guard;
    guard.install(&context, subscriber);
    RedisSubscriptions subscriptions(sharded);
    subscriptions.add("farmchat:room:lobby");

    qsizetype offset = 0;
    bool failed = false;
    for (qsizetype chunk : in.chunks) {
        if (redisReaderFeed(context.c.reader, in.stream.data() + offset, size_t(chunk)) != REDIS_OK)
            break;
        offset += chunk;
        for (;;) {
            void *raw = nullptr;
            if (redisReaderGetReply(context.c.reader, &raw) != REDIS_OK) {
                failed = true; // RedisConnection ends the link here
                break;
            }
            if (!raw)
                break;
            const auto *reply = static_cast<const redisReply *>(raw);
            if (nobodyWaiting && reply->type != REDIS_REPLY_ERROR)
                fuzz::fail("the guard let through a reply no command was waiting for");
            const RedisValue value = toRedisValue(reply);
            if (subscriber) {
                checkSubscriberFrame(reply);
                (void)subscriptions.handle(value);
            } else {
                checkCommandReply(value);
            }
            freeReplyObject(raw);
        }
        if (failed)
            break;
    }
    if (failed && std::strlen(context.c.reader->errstr) == 0)
        fuzz::fail("the reader failed without saying why");
    guard.uninstall();
    redisReaderFree(context.c.reader);
    return 0;
}
