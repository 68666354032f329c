#pragma once

#include "linkfault/linkfault.h"
#include "linkfault/linkpipe_p.h"

#include <QObject>

#include <memory>

class QTcpSocket;

namespace farmchat {

// One connection through a LinkProxy: the accepted client socket, the socket
// to the target, and a LinkPipe each way. Ends itself (finished()) when both
// sides are closed, when the target refuses, or when either side resets.
// Owned by its LinkProxy.
class LinkConnection : public QObject
{
    Q_OBJECT
public:
    // Takes `client` (a connected socket) and connects to the target.
    LinkConnection(std::unique_ptr<QTcpSocket> client, const QString &targetHost,
        quint16 targetPort, qint64 maxHeldBytes, LinkStats &stats, QObject *parent);
    ~LinkConnection() override;

    void setFault(const LinkFault &fault);
    // Both sides cut with a TCP reset when `withReset`, else closed at once.
    void abort(bool withReset);
    qint64 heldBytes() const;

Q_SIGNALS:
    void finished(); // nothing left to do; the proxy deletes it later

private:
    void onUpstreamError();
    void onClientError();
    void checkFinished();
    void finish();

    std::unique_ptr<QTcpSocket> m_client; // the connecting side
    std::unique_ptr<QTcpSocket> m_upstream; // the target's side
    std::unique_ptr<LinkPipe> m_up;
    std::unique_ptr<LinkPipe> m_down;
    LinkStats &m_stats;
    bool m_upstreamConnected = false;
    bool m_finished = false;
};

} // namespace farmchat
