#include "launcher/redisping_p.h"

#include "launcher/redisprobesocket_p.h"

namespace farmchat {

RedisPing::RedisPing(QObject *parent) : QObject(parent), m_probe(new RedisProbeSocket(this))
{
    m_retry.setSingleShot(true);
    m_deadline.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &RedisPing::attempt);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("no answer within %1 ms (%2)").arg(m_timeoutMs).arg(m_lastError));
    });
    connect(m_probe, &RedisProbeSocket::received, this, &RedisPing::onReadyRead);
    connect(m_probe, &RedisProbeSocket::failed, this, &RedisPing::retryOrFail);
}

RedisPing::~RedisPing() = default;

void RedisPing::start(const QString &host, quint16 port, const QByteArray &password, int timeoutMs)
{
    cancel();
    m_host = host;
    m_port = port;
    m_password = password;
    m_timeoutMs = timeoutMs;
    m_lastError = QStringLiteral("not tried yet");
    m_running = true;
    m_deadline.start(timeoutMs);
    attempt();
}

void RedisPing::cancel()
{
    m_running = false;
    m_retry.stop();
    m_deadline.stop();
    m_probe->abort();
}

void RedisPing::attempt()
{
    if (!m_running)
        return;
    m_repliesExpected = m_password.isEmpty() ? 1 : 2;
    m_probe->open(m_host, m_port, m_password, {"PING"});
}

void RedisPing::onReadyRead()
{
    QByteArray &buffer = m_probe->buffer();
    qsizetype end;
    while (m_running && m_repliesExpected > 0 && (end = buffer.indexOf("\r\n")) >= 0) {
        const QByteArray line = buffer.left(end).left(200);
        buffer.remove(0, end + 2);
        const bool authReply = m_repliesExpected == 2;
        --m_repliesExpected;
        if (line.startsWith("-LOADING")) {
            retryOrFail(QStringLiteral("Redis is loading its data"));
            return;
        }
        if (authReply) {
            if (line != "+OK") {
                fail(QStringLiteral("Redis rejected the password: %1")
                         .arg(QString::fromUtf8(line.mid(1))));
                return;
            }
        } else if (line == "+PONG") {
            finish({});
            return;
        } else if (line.startsWith("-NOAUTH")) {
            fail(QStringLiteral("Redis requires a password (set FARMCHAT_REDIS_PASSWORD)"));
            return;
        } else {
            fail(QStringLiteral("Redis answered PING with: %1").arg(QString::fromUtf8(line)));
            return;
        }
    }
    if (buffer.size() > 4096)
        fail(QStringLiteral("not a Redis server (unexpected reply)"));
}

void RedisPing::retryOrFail(const QString &error)
{
    if (!m_running)
        return;
    m_lastError = error;
    m_probe->abort();
    if (!m_retry.isActive())
        m_retry.start(kRetryMs);
}

void RedisPing::fail(const QString &error)
{
    finish(Result<void>::failure(error));
}

void RedisPing::finish(const Result<void> &outcome)
{
    if (!m_running)
        return;
    cancel();
    Q_EMIT finished(outcome);
}

} // namespace farmchat
