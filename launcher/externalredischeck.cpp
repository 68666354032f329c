#include "launcher/externalredischeck_p.h"

#include "redis/redisconnection.h"

namespace farmchat {

ExternalRedisCheck::ExternalRedisCheck(
    const RedisUrl &url, const QByteArray &password, int timeoutMs, QObject *parent)
    : QObject(parent), m_timeoutMs(timeoutMs)
{
    RedisConnectionOptions options;
    options.url = url;
    options.password = password;
    options.clientName = QStringLiteral("farmchat-launcher");
    options.connectTimeoutMs = qMin(3000, timeoutMs);
    options.backoff.firstDelayMs = 50;
    options.backoff.maxDelayMs = 1000;
    m_link = std::make_unique<RedisConnection>(options);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("no answer within %1 ms (%2)")
                 .arg(m_timeoutMs)
                 .arg(m_link->lastError()));
    });
    connect(m_link.get(), &RedisConnection::ready, this, [this] { finish({}); });
    connect(m_link.get(), &RedisConnection::attemptFailed, this, [this](const QString &error) {
        // A refused password or database does not get better by retrying.
        if (error.contains(u" refused "))
            fail(error);
    });
}

ExternalRedisCheck::~ExternalRedisCheck() = default;

void ExternalRedisCheck::start()
{
    m_running = true;
    m_deadline.start(m_timeoutMs);
    m_link->start();
}

void ExternalRedisCheck::cancel()
{
    m_running = false;
    m_deadline.stop();
    m_link->stop(); // safe inside its own signals
}

void ExternalRedisCheck::fail(const QString &error)
{
    finish(Result<void>::failure(error));
}

void ExternalRedisCheck::finish(const Result<void> &outcome)
{
    if (!m_running)
        return;
    cancel(); // only a check: the nodes make their own connections
    Q_EMIT finished(outcome);
}

} // namespace farmchat
