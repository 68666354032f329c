#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

class QTcpSocket;

namespace farmchat {

// One short plain-RESP exchange with a Redis server on a socket of its own:
// connects, sends AUTH (when there is a password) and then one command, and
// gathers the reply bytes for its owner to read. For the launcher's small
// checks that must work before (or without) a full Redis client: RedisPing
// (is it up, is the password right) and RedisMemoryPoll (INFO memory).
class RedisProbeSocket : public QObject
{
    Q_OBJECT
public:
    explicit RedisProbeSocket(QObject *parent = nullptr);
    ~RedisProbeSocket() override;

    // Drops any exchange under way and starts a new one.
    void open(const QString &host, quint16 port, const QByteArray &password,
        const QList<QByteArray> &command);
    // Drops the connection at once; nothing more arrives.
    void abort();
    // Closes the connection politely once the reply is read.
    void close();
    // The reply bytes received so far and not yet taken by the owner.
    QByteArray &buffer() { return m_buffer; }

    // One command in RESP, binary-safe: *<n> then $<len> <bytes> per argument.
    static QByteArray encode(const QList<QByteArray> &arguments);

Q_SIGNALS:
    void received(); // more bytes in buffer()
    void failed(const QString &error); // could not connect, or the connection broke

private:
    QTcpSocket *m_socket = nullptr; // child of this object
    QByteArray m_request;
    QByteArray m_buffer;
};

} // namespace farmchat
