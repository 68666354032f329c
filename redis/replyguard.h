#pragma once

#include <QString>

struct redisAsyncContext;
struct redisReader;
struct redisReplyObjectFunctions;
struct redisReadTask;

namespace farmchat {

// Checks every reply *while hiredis parses it*, for the replies hiredis 0.14
// would assert() on (or, built with NDEBUG, misread):
//  - on a subscribed link, a pub/sub frame that is not [string, string, ...]
//    or an "unsubscribe" without an integer count;
//  - on a command link, a reply (other than an error) that no command is
//    waiting for.
// The guard refuses such a reply; hiredis then ends the link with an error,
// and RedisConnection reports violation() instead of crashing.
class ReplyGuard
{
public:
    ReplyGuard() = default;
    ReplyGuard(const ReplyGuard &) = delete;
    ReplyGuard &operator=(const ReplyGuard &) = delete;

    // The guard must outlive the context's reader, or be uninstalled first.
    void install(redisAsyncContext *context, bool subscriber);
    void uninstall();

    // Why the last reply was refused; empty when none was.
    const QString &violation() const { return m_violation; }

private:
    static void *createString(const redisReadTask *task, char *str, size_t len);
    static void *createArray(const redisReadTask *task, int elements);
    static void *createInteger(const redisReadTask *task, long long value);
    static void *createNil(const redisReadTask *task);

    bool refuse(const char *why);
    // A new reply of `type` starts: is anyone waiting for it?
    bool acceptTopLevel(const redisReadTask *task, int type);
    // A value of `type` arriving at index idx of a top-level pub/sub frame.
    bool acceptChild(const redisReadTask *task, int type, const char *str, size_t len);

    redisAsyncContext *m_context = nullptr;
    bool m_subscriber = false;
    const redisReplyObjectFunctions *m_original = nullptr;
    bool m_unsubscribeFrame = false;
    QString m_violation;
};

} // namespace farmchat
