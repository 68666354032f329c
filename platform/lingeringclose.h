#pragma once

#include <QObject>
#include <QTimer>

#include <memory>

class QSocketNotifier;

namespace farmchat {

// Closes a TCP connection so the peer gets everything sent before the close,
// even when it is still sending. Closing a socket with unread input makes the
// kernel reset the connection and drop output not yet delivered, such as the
// close frame that says why (RFC 7230 6.6 "lingering close"; RFC 6455 7.1.1
// wants the server to close TCP only after the close handshake). Qt 6.4's
// QWebSocket::close() closes the TCP socket at once.
//
// Create one while the owner (QTcpSocket, QWebSocket) still holds the
// descriptor: it keeps a duplicate. Call begin() once the owner has closed its
// own; with unread input waiting, the connection is then half-closed (FIN
// after the queued output) and the input read and dropped until the peer
// closes, lingerMs pass or maxDrainBytes were read. The object deletes itself
// when done. On platforms without descriptor duplication it only does that.
class LingeringClose : public QObject
{
    Q_OBJECT
public:
    static constexpr int kLingerMs = 2000;
    static constexpr qint64 kMaxDrainBytes = 1024 * 1024;

    LingeringClose(qintptr descriptor, QObject *parent);
    ~LingeringClose() override;

    // Sockets held open by lingering closes right now, for the socket budget.
    static int active();

public Q_SLOTS:
    void begin();

private:
    void drain();
    void finish();

    qintptr m_descriptor = -1; // the duplicate; -1 when none
    std::unique_ptr<QSocketNotifier> m_notifier;
    QTimer m_deadline;
    qint64 m_drained = 0;
    bool m_begun = false;
};

} // namespace farmchat
