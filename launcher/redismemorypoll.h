#pragma once

#include <QByteArray>
#include <QObject>
#include <QTimer>

namespace farmchat {

class RedisProbeSocket;

// Reads the private Redis's memory (INFO memory: used_memory and maxmemory)
// every few seconds without blocking, so the farm can show how full Redis is
// against its cap. One short loopback connection per poll (AUTH, INFO);
// a failed poll keeps the last figures and tries again next time. Owned by
// RedisInstance, running while its Redis is healthy.
class RedisMemoryPoll : public QObject
{
    Q_OBJECT
public:
    static constexpr int kDefaultIntervalMs = 2000;

    explicit RedisMemoryPoll(QObject *parent = nullptr);
    ~RedisMemoryPoll() override;

    void start(quint16 port, const QByteArray &password, int intervalMs = kDefaultIntervalMs);
    void stop();

    qint64 usedBytes() const { return m_used; } // -1: not read yet
    qint64 maxBytes() const { return m_max; } // 0: no cap; -1: not read yet

    // used_memory and maxmemory out of an INFO reply's text; -1 when missing.
    static std::pair<qint64, qint64> parseInfo(const QByteArray &info);

Q_SIGNALS:
    void changed();

private:
    void poll();
    void onReadyRead();

    RedisProbeSocket *m_probe = nullptr; // child of this object
    QTimer m_timer;
    QByteArray m_password;
    quint16 m_port = 0;
    qint64 m_used = -1;
    qint64 m_max = -1;
};

} // namespace farmchat
