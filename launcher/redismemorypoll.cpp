#include "launcher/redismemorypoll.h"

#include "launcher/redisprobesocket_p.h"

namespace farmchat {

namespace {

constexpr qsizetype kMaxReply = 64 * 1024; // INFO memory is about 1.5 KB

} // namespace

RedisMemoryPoll::RedisMemoryPoll(QObject *parent)
    : QObject(parent), m_probe(new RedisProbeSocket(this))
{
    connect(&m_timer, &QTimer::timeout, this, &RedisMemoryPoll::poll);
    connect(m_probe, &RedisProbeSocket::received, this, &RedisMemoryPoll::onReadyRead);
    // A failed poll keeps the last figures; the next one tries again.
    connect(m_probe, &RedisProbeSocket::failed, m_probe, &RedisProbeSocket::abort);
}

RedisMemoryPoll::~RedisMemoryPoll() = default;

void RedisMemoryPoll::start(quint16 port, const QByteArray &password, int intervalMs)
{
    m_port = port;
    m_password = password;
    m_timer.start(intervalMs);
    poll();
}

void RedisMemoryPoll::stop()
{
    m_timer.stop();
    m_probe->abort();
}

void RedisMemoryPoll::poll()
{
    m_probe->open(QStringLiteral("127.0.0.1"), m_port, m_password, {"INFO", "memory"});
}

void RedisMemoryPoll::onReadyRead()
{
    const QByteArray &buffer = m_probe->buffer();
    if (buffer.size() > kMaxReply) {
        m_probe->abort();
        return;
    }
    // "+OK\r\n" (the answer to AUTH, when there is a password) then
    // "$<n>\r\n<n bytes>\r\n".
    const QByteArray authOk = m_password.isEmpty() ? QByteArray() : QByteArray("+OK\r\n");
    if (!buffer.startsWith(authOk)) {
        if (buffer.contains("\r\n"))
            m_probe->abort(); // refused: try again next time
        return;
    }
    const qsizetype header = authOk.size();
    const qsizetype lineEnd = buffer.indexOf("\r\n", header);
    if (lineEnd < 0)
        return;
    bool ok = false;
    const qsizetype length = buffer.mid(header + 1, lineEnd - header - 1).toLongLong(&ok);
    if (buffer.at(header) != '$' || !ok || length < 0 || length > kMaxReply) {
        m_probe->abort();
        return;
    }
    if (buffer.size() < lineEnd + 2 + length)
        return;
    const auto [used, max] = parseInfo(buffer.mid(lineEnd + 2, length));
    m_probe->close();
    m_probe->buffer().clear();
    if (used < 0 || max < 0 || (used == m_used && max == m_max))
        return;
    m_used = used;
    m_max = max;
    Q_EMIT changed();
}

std::pair<qint64, qint64> RedisMemoryPoll::parseInfo(const QByteArray &info)
{
    qint64 used = -1;
    qint64 max = -1;
    for (const QByteArray &raw : info.split('\n')) {
        const QByteArray line = raw.trimmed();
        bool ok = false;
        if (line.startsWith("used_memory:")) {
            const qint64 v = line.mid(qsizetype(qstrlen("used_memory:"))).toLongLong(&ok);
            used = ok ? v : -1;
        } else if (line.startsWith("maxmemory:")) {
            const qint64 v = line.mid(qsizetype(qstrlen("maxmemory:"))).toLongLong(&ok);
            max = ok ? v : -1;
        }
    }
    return {used, max};
}

} // namespace farmchat
