#pragma once

#include <QString>

struct redisReader;
struct redisReplyObjectFunctions;
struct redisReadTask;

namespace farmchat {

// Checks every frame a subscribed connection receives *while hiredis parses
// it*. hiredis 0.14 assert()s (or, built with NDEBUG, reads out of bounds) on a
// pub/sub frame that is not [string, string, ...] or an "unsubscribe" without
// an integer count. Installed on a subscriber's reader, the guard refuses such a
// frame, which ends the link with an error value instead of a crash.
class SubscriberFrameGuard
{
public:
    SubscriberFrameGuard() = default;
    SubscriberFrameGuard(const SubscriberFrameGuard &) = delete;
    SubscriberFrameGuard &operator=(const SubscriberFrameGuard &) = delete;

    // The guard must outlive the reader, or be uninstalled first.
    void install(redisReader *reader);
    void uninstall();

    // Why the last frame was refused; empty when none was.
    const QString &violation() const { return m_violation; }

private:
    static void *createString(const redisReadTask *task, char *str, size_t len);
    static void *createArray(const redisReadTask *task, int elements);
    static void *createInteger(const redisReadTask *task, long long value);
    static void *createNil(const redisReadTask *task);

    bool refuse(const char *why);
    // A value of `type` arriving at index idx of a top-level array.
    bool acceptChild(const redisReadTask *task, int type, const char *str, size_t len);

    redisReader *m_reader = nullptr;
    const redisReplyObjectFunctions *m_original = nullptr;
    bool m_unsubscribeFrame = false;
    QString m_violation;
};

} // namespace farmchat
