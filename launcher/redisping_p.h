#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace farmchat {

class RedisProbeSocket;

// Asks a Redis server "are you up, and is this our password?" without
// blocking: connects, sends AUTH (when there is a password) and PING, and
// retries while the server is not listening yet, until a deadline. A refused
// password or any other Redis error ends it at once. Used to wait for the
// private redis-server and to check a --redis-url one before nodes start.
class RedisPing : public QObject
{
    Q_OBJECT
public:
    static constexpr int kRetryMs = 20;

    explicit RedisPing(QObject *parent = nullptr);
    ~RedisPing() override;

    // Starts (or restarts) the check; finished() follows exactly once.
    void start(const QString &host, quint16 port, const QByteArray &password, int timeoutMs);
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    // Ok on PONG; else the error names the problem ("connection refused",
    // "Redis rejected the password: WRONGPASS ...", "no answer within 10000 ms").
    void finished(const farmchat::Result<void> &outcome);

private:
    void attempt();
    void onReadyRead();
    void retryOrFail(const QString &error);
    void fail(const QString &error);
    void finish(const Result<void> &outcome);

    RedisProbeSocket *m_probe = nullptr; // child of this object
    QTimer m_retry;
    QTimer m_deadline;
    QElapsedTimer m_clock;
    QString m_host;
    QByteArray m_password;
    QString m_lastError;
    int m_timeoutMs = 0;
    int m_repliesExpected = 0;
    quint16 m_port = 0;
    bool m_running = false;
};

} // namespace farmchat
