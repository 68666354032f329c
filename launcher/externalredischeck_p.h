#pragma once

#include "core/result.h"
#include "redis/redisurl.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace farmchat {

class RedisConnection;

// Checks, before any node starts, that a Redis given by --redis-url lets the
// farm in. It uses the client the nodes use (user, password, database, TCP or
// Unix socket), so if it gets through, they will; bounded by a deadline, and
// a refused password or database ends it at once. Owned by FarmSupervisor.
class ExternalRedisCheck : public QObject
{
    Q_OBJECT
public:
    ExternalRedisCheck(
        const RedisUrl &url, const QByteArray &password, int timeoutMs, QObject *parent = nullptr);
    ~ExternalRedisCheck() override;

    void start();
    void cancel();

Q_SIGNALS:
    // Once per start(): ok, or the problem (never the password).
    void finished(const farmchat::Result<void> &outcome);

private:
    void fail(const QString &error);
    void finish(const Result<void> &outcome);

    std::unique_ptr<RedisConnection> m_link;
    QTimer m_deadline;
    int m_timeoutMs;
    bool m_running = false;
};

} // namespace farmchat
