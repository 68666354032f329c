#pragma once

#include "client/chatclient.h"
#include "protocol/backplanemode.h"

#include <QObject>
#include <QSet>
#include <QTimer>
#include <QUrl>

#include <memory>

namespace farmchat {

class DeliveryTracker;

// A ChatClient whose every send and arrival is recorded in a DeliveryTracker
// under one pane id: the pane's connection state, each message it receives
// (suppressed duplicates included: the matrix counts them), the node's
// delivery warnings, and the node a load balancer sent it to (learned with
// WhoAmI when `options.identifyNode` is set). The desktop app's panes and the
// launcher's scenario runs record deliveries this one way.
class TrackedClient : public QObject
{
    Q_OBJECT
public:
    // `nodeId` is the node `url` belongs to; behind a balancer, empty until
    // the first connect says where the client landed.
    TrackedClient(const QString &paneId, const QString &nodeId, const QUrl &url,
        DeliveryTracker &tracker, ChatClientOptions options = {}, QObject *parent = nullptr);
    ~TrackedClient() override;

    static constexpr int kRetryMs = 1000; // after a failed connect

    // Connects, and keeps trying every kRetryMs after a failed first connect
    // or after the client gave up reconnecting, until stop().
    void start();
    void stop();
    // Why the last connect failed or the connection dropped.
    QString lastError() const { return m_lastError; }
    // The connect failed because the WebSocket reached a node that never
    // issued the connection token negotiate gave: a balancer without sticky
    // sessions split the two requests.
    static bool isMissingStickySession(const QString &error);

    QString paneId() const { return m_paneId; }
    QString nodeId() const { return m_nodeId; }
    ChatClient &client() { return *m_client; }
    const ChatClient &client() const { return *m_client; }

    // Records a pending row at once under a fresh local id (returned), sends,
    // and records the node's answer: the message's id, or a refusal. `done`
    // gets the answer just before the tracker does.
    QString send(const QString &text, BackplaneMode modeAtSend, const QString &room,
        ChatClient::SendDone done = {});
    // The local id the next send() will record its row under.
    QString nextLocalId() const;
    // Sends the node has not answered yet (streams mode holds them while Redis is down).
    int unansweredSends() const { return int(m_unanswered.size()); }
    bool isUnanswered(const QString &localId) const { return m_unanswered.contains(localId); }
    // Its node left the farm: served from `url` (node `nodeId`) from now on.
    void moveTo(const QString &nodeId, const QUrl &url);

Q_SIGNALS:
    // A message arrived (once per id), after the tracker recorded it.
    void messageArrived(const farmchat::ChatMessage &message, bool fromHistory);
    // The node warned that message `id` may not reach everyone.
    void deliveryWarning(const QString &id, const QString &text);
    // The client is served by another node now (a balancer's pick, or moveTo()).
    void nodeChanged(const QString &nodeId);

private:
    void changeNode(const QString &nodeId);

    const QString m_paneId;
    QString m_nodeId;
    DeliveryTracker &m_tracker;
    std::unique_ptr<ChatClient> m_client;
    QTimer m_retryTimer;
    QString m_lastError;
    bool m_wanted = false; // start() called and not stop()
    QSet<QString> m_unanswered;
    quint64 m_nextLocalId = 1;
};

} // namespace farmchat
