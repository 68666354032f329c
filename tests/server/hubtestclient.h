#pragma once

#include "protocol/hubmessage.h"
#include "protocol/recordbuffer.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QUrl>
#include <QWebSocket>

#include <optional>

namespace farmchat::test {

// A raw SignalR JSON hub client over QWebSocket for the node's tests: it
// speaks the protocol by hand so tests can also speak it badly. Every wait is
// bounded (test code only).
class HubTestClient : public QObject
{
    Q_OBJECT
public:
    explicit HubTestClient(QObject *parent = nullptr);
    ~HubTestClient() override;

    // Opens ws://127.0.0.1:port/chat[?id=...] and waits for the upgrade.
    bool open(
        quint16 port, const QString &id = {}, const QByteArray &origin = {}, int timeoutMs = 5000);
    // Sends the json/1 handshake and waits for the answer; true when it is "{}".
    bool handshake(int timeoutMs = 5000);
    // open() + handshake() after negotiating (version 1) over HTTP.
    bool connectNegotiated(quint16 port, int timeoutMs = 5000);

    void sendText(const QByteArray &bytes);
    QString invoke(const QString &target, const QJsonArray &arguments); // returns the invocation id
    void invokeNonBlocking(const QString &target, const QJsonArray &arguments);
    std::optional<HubMessage> waitForCompletion(const QString &invocationId, int timeoutMs = 5000);
    // invoke() + waitForCompletion()
    std::optional<HubMessage> call(
        const QString &target, const QJsonArray &arguments, int timeoutMs = 5000);

    QList<HubMessage> invocations(const QString &target) const;
    bool waitForInvocations(const QString &target, int count, int timeoutMs = 5000);
    QList<HubMessage> messagesOfType(HubMessageType type) const;
    bool waitForClosed(int timeoutMs = 5000);

    QWebSocket &socket() { return m_socket; }
    bool isOpen() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    QByteArray handshakeResponse() const { return m_handshakeResponse; }
    // The hub Close message, if the server sent one.
    std::optional<HubMessage> closeMessage() const;
    int closeCode() const { return m_closeCode; }
    QString closeReason() const { return m_closeReason; }
    QList<QByteArray> badRecords() const { return m_badRecords; }

private:
    void onText(const QString &text);

    QWebSocket m_socket;
    RecordBuffer m_buffer {16 * 1024 * 1024};
    bool m_awaitingHandshake = true;
    QByteArray m_handshakeResponse;
    QList<HubMessage> m_messages;
    QList<QByteArray> m_badRecords;
    int m_nextId = 0;
    int m_closeCode = -1;
    QString m_closeReason;
    bool m_disconnected = false;
};

} // namespace farmchat::test
