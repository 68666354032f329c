#pragma once

#include "server/httprequest.h"
#include "server/httprequestparser.h"
#include "server/httpresponse_p.h"
#include "server/tcpconnection_p.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace farmchat {

// One plain HTTP/1.1 connection on the node's own TcpConnection: waits
// until a whole request head is there, parses it (HttpRequestParser), reads
// the body, hands the request to its owner (requestReceived, the
// HttpServer), writes the answer, and keeps the connection for the next
// request or closes it. A WebSocket upgrade consumes the head only and hands
// the connection, with any bytes after the head, back (takeConnection()).
class HttpConnection : public QObject, private TcpConnection::Receiver
{
    Q_OBJECT
public:
    HttpConnection(std::unique_ptr<TcpConnection> connection, const HttpLimits &limits,
        int headTimeoutMs, QObject *parent);
    ~HttpConnection() override;

    // Answers the request with this serial; ignored if the connection moved on or closed.
    void respond(quint64 serial, const HttpResponse &response);
    // Gives the connection up (for a WebSocket upgrade, inside requestReceived);
    // this object then finishes.
    std::unique_ptr<TcpConnection> takeConnection();
    // Closes the connection now (node shutdown, or making room for another).
    void close();
    // True while waiting for (the rest of) a request head: nothing the client
    // asked for is in progress, so closing it loses no answer.
    bool isAwaitingRequest() const { return m_state == State::Head; }

Q_SIGNALS:
    // A whole request (with its body; for an upgrade, the head): answer it
    // with respond(serial, ...).
    void requestReceived(
        farmchat::HttpConnection *connection, quint64 serial, const farmchat::HttpRequest &request);
    // A request was refused with `status` before it was whole (bad, too big, too slow).
    void requestRefused(int status);
    void finished(farmchat::HttpConnection *connection);

private:
    enum class State { Head, Body, Handling, Draining, Done };
    qsizetype received(QByteArrayView bytes) override;
    void disconnected() override;
    qsizetype readHead(QByteArrayView bytes);
    qsizetype readBody(QByteArrayView bytes);
    void handOver();
    void onTimeout();
    void refuse(int status, const QString &error);
    void finish();

    std::unique_ptr<TcpConnection> m_connection;
    HttpLimits m_limits;
    int m_headTimeoutMs;
    State m_state = State::Head;
    HttpRequest m_request;
    quint64 m_serial = 0;
    qint64 m_drained = 0;
    bool m_finished = false;
    QTimer m_timer;
};

} // namespace farmchat
