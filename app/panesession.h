#pragma once

#include "client/chatclient.h"
#include "client/trackedclient.h"
#include "core/result.h"
#include "protocol/backplanemode.h"

#include <QObject>
#include <QUrl>

#include <memory>

namespace farmchat {

class DeliveryTracker;
class MessageListModel;

// How a pane reaches the farm.
struct PaneRoute
{
    // Through the farm's load balancer: the URL is the balancer's, and the
    // node is whichever one it picks (learned with WhoAmI after each connect).
    bool viaBalancer = false;
    // The WebSocket at once, without POST /negotiate.
    bool skipNegotiation = false;
    // Joining a room shows its recent past (History); a scenario's panes
    // start blank, as its headless clients do.
    bool historyOnJoin = true;
};

// The non-visual half of one chat pane: a ChatClient of one node, the pane's
// message list, and the wiring that reports every send and every arrival to
// the farm's DeliveryTracker. ChatPane shows it; FarmWorkspace makes one per
// node when the farm is up. Behind a load balancer a pane is a client of the
// balancer's URL, and its node is the one the balancer sent it to: it changes
// when a reconnect lands elsewhere (nodeChanged()). Reconnecting and the History catch-up after a
// reconnect are ChatClient's; this class only shows and records them.
class PaneSession : public QObject
{
    Q_OBJECT
public:
    static constexpr int kRetryMs = TrackedClient::kRetryMs; // after a failed first connect

    // `nodeId` is the node `url` belongs to; behind a balancer, empty until
    // the first connect says where it landed.
    PaneSession(int index, const QString &nodeId, const QUrl &url, DeliveryTracker &tracker,
        PaneRoute route = {}, QObject *parent = nullptr);
    ~PaneSession() override;

    int index() const { return m_index; }
    QString paneId() const { return m_paneId; } // "pane-1"
    // "node-9090": the node this pane is (or was last) served by; empty
    // behind a balancer before the first connect.
    QString nodeId() const { return m_tracked->nodeId(); }
    // What the client connects to: the node's URL, or the balancer's.
    QUrl nodeUrl() const { return client().nodeUrl(); }
    const PaneRoute &route() const { return m_route; }
    // The last connect failed because the WebSocket reached a node that never
    // issued the connection token negotiate gave: a balancer without sticky
    // sessions split the two requests.
    bool lostStickySession() const { return isMissingStickySession(lastError()); }
    static bool isMissingStickySession(const QString &error)
    {
        return TrackedClient::isMissingStickySession(error);
    }
    ChatClient &client() { return m_tracked->client(); }
    // What records its sends and arrivals (a scenario played on the panes drives it).
    TrackedClient &tracked() { return *m_tracked; }
    const ChatClient &client() const { return m_tracked->client(); }
    MessageListModel &messages() { return *m_messages; }
    HubConnection::State state() const { return client().state(); }
    QString lastError() const { return m_tracked->lastError(); }

    void start();
    void stop();
    // Its node leaves the farm: the pane reconnects to `nodeId` at `url` and
    // catches up from its last message (nodeChanged() follows at once).
    void moveTo(const QString &nodeId, const QUrl &url);
    // Sets the name now and after every reconnect; refusals arrive as errorOccurred().
    void setName(const QString &name);
    QString name() const { return client().name(); }
    // The node has not answered a send for this long: the pane says it is queued.
    static constexpr int kQueuedAfterMs = 400;

    // Sends to `room` (joined already); `modeAtSend` is what the sender's
    // node promised when the user pressed Enter (for the matrix). The message
    // shows in the pane and as a pending matrix row at once; sendFinished()
    // follows.
    void send(
        const QString &text, BackplaneMode modeAtSend, const QString &room = ChatClient::kLobby);
    // Sends the node has not answered yet (streams mode queues them while
    // Redis is down and answers once Redis has them).
    int unansweredSends() const { return m_tracked->unansweredSends(); }
    // What the pane says about a send the node holds: "queued — waiting for Redis".
    static QString queuedStatus(BackplaneMode modeAtSend);

Q_SIGNALS:
    void stateChanged(farmchat::HubConnection::State state);
    // A message arrived in this pane (once per id).
    void messageArrived(const farmchat::ChatMessage &message, bool fromHistory);
    // `text` was sent and shows under `localId` until the node answers.
    void sending(const QString &localId, const QString &text);
    // The node accepted `text` as message `id`; emitted before the tracker records it.
    void accepted(const QString &id, const QString &text);
    // The node accepted `text` as message `id`, or why it was not sent.
    void sendFinished(const QString &text, const farmchat::Result<QString> &id);
    // Something went wrong that the pane should say (refused name, failed catch-up).
    void errorOccurred(const QString &error);
    // A History catch-up brought `fetched` messages of others (the pane's own
    // messages coming back that way are not news).
    void caughtUp(int fetched);
    // Behind a balancer: a (re)connect landed on `nodeId`, another node than
    // before; or moveTo() moved the pane.
    void nodeChanged(const QString &nodeId);

private:
    void onMessage(const ChatMessage &message, bool fromHistory);

    const int m_index;
    const QString m_paneId;
    const PaneRoute m_route;
    std::unique_ptr<TrackedClient> m_tracked;
    std::unique_ptr<MessageListModel> m_messages;
    int m_caughtUpFromOthers = 0; // in the catch-up running now
};

} // namespace farmchat
