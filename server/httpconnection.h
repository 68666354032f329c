#pragma once

#include "server/httprequest.h"
#include "server/httpresponse.h"

#include <QObject>
#include <QTimer>

class QTcpSocket;

namespace farmchat {

class HttpServer;

// One plain HTTP/1.1 connection: peeks at the socket until a whole request
// head is there, parses it (HttpRequestParser), reads the body, passes the
// request to the HttpServer, writes the answer, and keeps the connection for
// the next request or closes it. A WebSocket upgrade leaves the socket's
// bytes untouched and hands the socket back to the server.
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    HttpConnection(QTcpSocket *socket, HttpServer &server, int headTimeoutMs);
    ~HttpConnection() override;

    // Answers the request with this serial; ignored if the connection moved on or closed.
    void respond(quint64 serial, const HttpResponse &response);
    // Gives the socket up (for a WebSocket upgrade); the connection then closes itself.
    QTcpSocket *takeSocket();
    // Closes the connection now (node shutdown, or making room for another).
    void close();
    // True while waiting for (the rest of) a request head: nothing the client
    // asked for is in progress, so closing it loses no answer.
    bool isAwaitingRequest() const { return m_state == State::Head; }

Q_SIGNALS:
    void finished(farmchat::HttpConnection *connection);

private:
    enum class State { Head, Body, Handling, Draining, Done };
    void onReadyRead();
    void onTimeout();
    void refuse(int status, const QString &error);
    void finish();

    QTcpSocket *m_socket;
    HttpServer &m_server;
    int m_headTimeoutMs;
    State m_state = State::Head;
    HttpRequest m_request;
    quint64 m_serial = 0;
    qint64 m_drained = 0;
    bool m_finished = false;
    QTimer m_timer;
};

} // namespace farmchat
