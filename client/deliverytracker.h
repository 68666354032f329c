#pragma once

#include "protocol/backplanemode.h"
#include "protocol/chatmessage.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <array>
#include <deque>
#include <functional>

namespace farmchat {

// What happened to one message in one pane.
enum class DeliveryState {
    Pending, // expected, not here yet, still within the grace period
    Delivered, // arrived live, once, in time, in order
    Missing, // expected, not arrived within the grace period
    Duplicated, // arrived more than once (suppressed duplicates count)
    Late, // arrived after the grace period, or only through History
    OutOfOrder, // arrived before an earlier message of the same sender and room
    NotExpected, // not promised to this pane, and it did not arrive
    Unexpected, // not promised to this pane, yet it arrived
};
QString deliveryStateName(DeliveryState state);

// One cell of the matrix: one message in one pane.
struct DeliveryCell
{
    DeliveryState state = DeliveryState::NotExpected;
    bool expected = false; // what the backplane mode at send time promised
    int receipts = 0; // arrivals, suppressed duplicates included
    qint64 latencyMs = -1; // first arrival minus sent time; -1: not arrived
    bool viaHistory = false; // the first arrival came through History
    bool outOfOrder = false;
    // The pane was not connected when the message was sent (its node down or
    // restarting): pub/sub promises it nothing, streams a catch-up.
    bool paneAway = false; // its pane was disconnected, or its node cut off from the backplane
};

// A column: one chat pane, a client of one node, in some rooms.
struct DeliveryPane
{
    QString id;
    QString nodeId;
    QSet<QString> rooms;
    bool connected = true; // its client is connected to its node now
};

// What the sender knows when the node has accepted a message.
struct SentMessage
{
    QString id;
    QString senderPane;
    QString room;
    QString originNode; // the node the sender is connected to
    BackplaneMode mode = BackplaneMode::Off; // the farm's mode when it was sent
    qint64 sentAtMs = 0; // when the sender called Send (ms since the epoch)
};

// A row: one message and its cell in every pane.
struct DeliveryRow
{
    SentMessage message;
    QList<DeliveryCell> cells; // one per pane, in column order
    bool matchesPromise = false; // every expected cell Delivered, no Unexpected, no extra copies
    // Recorded with recordSending() and not answered by the node yet (streams
    // mode while Redis is down): its cells stay Pending, whatever the time.
    bool awaitingNode = false;
    QString localId; // the id recordSending() gave, kept after confirmSent()
    bool refused = false; // the node refused it: nobody was meant to get it
    bool warned = false; // the node warned the sender it may not reach everyone
};

// Counts over the rows sent in one backplane mode.
struct DeliveryTotals
{
    int messages = 0;
    int matching = 0; // rows that match the mode's promise
    int pending = 0, delivered = 0, missing = 0, duplicated = 0, late = 0, outOfOrder = 0,
        unexpected = 0;
    qint64 p50LatencyMs = -1, p99LatencyMs = -1; // over first live arrivals; -1: none yet
};

// "Who received what": messages are rows, chat panes are columns, and each
// cell says whether the message arrived where the backplane mode at send time
// promised (off: the panes on the sender's node; pubsub and streams: every
// pane in the room). Pure bookkeeping fed by the caller, shared by the
// launcher's --demo and the desktop app's delivery matrix (which wraps it in a
// QAbstractTableModel via the signals below).
//
// Feed it: addPane() per pane; recordSent() when Send returns the id; and
// recordReceived() for every ChatClient::messageReceived and every
// duplicateSuppressed of each pane. Receipts may arrive before recordSent()
// (the broadcast can beat the Completion); they are kept until the row exists.
class DeliveryTracker : public QObject
{
    Q_OBJECT
public:
    using Clock = std::function<qint64()>; // ms since the epoch

    explicit DeliveryTracker(QObject *parent = nullptr);
    ~DeliveryTracker() override;

    static constexpr int kDefaultGraceMs = 2000;
    // Defaults: kDefaultGraceMs; the system clock. Tests inject a clock and
    // call updateTimeouts() themselves.
    void setGracePeriodMs(int ms);
    int gracePeriodMs() const { return m_graceMs; }
    void setClock(Clock clock);

    // Returns the column; an existing pane id keeps its column.
    int addPane(const QString &paneId, const QString &nodeId,
        const QStringList &rooms = {QStringLiteral("lobby")});
    // Room changes count for messages sent afterwards.
    void setPaneRooms(const QString &paneId, const QStringList &rooms);
    // The pane is served by another node now (a load balancer moved it);
    // counts for messages sent afterwards, like rooms.
    void setPaneNode(const QString &paneId, const QString &nodeId);
    // Whether the pane's client is connected now; counts for messages sent afterwards.
    void setPaneConnected(const QString &paneId, bool connected);
    // Node `nodeId` hears nothing from the backplane now (its Redis link is
    // down or partitioned): a pub/sub message from elsewhere that a pane on
    // it misses is the at-most-once loss pub/sub documents (the node counts
    // it as a gap), as for a pane whose node was down.
    void setNodeCutOff(const QString &nodeId, bool cutOff);
    // No node hears `room` from the backplane now (on a Redis Cluster, the
    // shard holding it is down): a pub/sub miss of a message to it is the
    // documented loss for every pane; other rooms are judged as usual.
    void setRoomCutOff(const QString &room, bool cutOff);
    // Returns the row, or -1 when the id is already tracked.
    int recordSent(const SentMessage &message);
    // A row for a message the sender has sent but the node has not answered
    // yet, under a local id of the caller's choosing; its cells stay Pending
    // until confirmSent() gives the node's id (then they are judged from the
    // original send time, so a long wait shows as late) or refuseSent().
    int recordSending(const SentMessage &message);
    bool confirmSent(const QString &localId, const QString &id);
    bool refuseSent(const QString &localId);
    // The node warned the sender that message `id` may not reach everyone
    // (deliveryWarning: pub/sub while Redis is down), so its losses are
    // counted ones. May come before the id's row exists.
    void recordWarning(const QString &id);
    // False when the pane is unknown.
    bool recordReceived(
        const QString &paneId, const ChatMessage &message, qint64 receivedAtMs, bool fromHistory);
    // Turns Pending cells whose grace period passed into Missing; runs by
    // itself on a timer too.
    void updateTimeouts();
    void clear();

    int rowCount() const { return int(m_rows.size()); }
    int columnCount() const { return int(m_panes.size()); }
    const DeliveryPane &pane(int column) const { return m_panes.at(column); }
    const DeliveryRow &row(int row) const { return m_rows.at(row); }
    const DeliveryCell &cell(int row, int column) const { return m_rows.at(row).cells.at(column); }
    int rowOf(const QString &messageId) const { return m_rowById.value(messageId, -1); }
    int columnOf(const QString &paneId) const { return m_columnById.value(paneId, -1); }

    DeliveryTotals totals(BackplaneMode mode) const;
    // True when every row's grace period has passed: the verdict is final.
    // Rows the node has not answered yet (recordSending()) are not settled.
    bool isSettled() const { return m_unsettled.empty() && m_awaiting == 0; }

Q_SIGNALS:
    void paneAdded(int column);
    void rowAdded(int row);
    void cellChanged(int row, int column);
    // A row's id or its awaiting/refused state changed (confirmSent, refuseSent).
    void rowChanged(int row);
    void totalsChanged();
    void settled(); // isSettled() became true
    void cleared();

private:
    int addRow(const SentMessage &message, bool awaitingNode);
    struct Receipt
    {
        int column;
        qint64 receivedAtMs;
        bool fromHistory;
        quint64 arrival; // order of arrival, over all panes
    };
    void applyReceipt(int row, const Receipt &receipt, bool notify);
    void checkOrder(int row, int column);
    void refreshCell(int row, int column, qint64 now, bool notify = true);
    void refreshRow(int row);
    void addToTotals(const DeliveryRow &row, int sign);
    void scheduleTimeouts();
    void dropOrphans(qint64 now);
    static DeliveryState stateOf(
        const DeliveryCell &cell, qint64 sentAtMs, qint64 now, int graceMs);
    static QString senderKey(const SentMessage &message);

    int m_graceMs = kDefaultGraceMs;
    Clock m_clock;
    QList<DeliveryPane> m_panes;
    QHash<QString, int> m_columnById;
    QList<DeliveryRow> m_rows;
    QList<QList<quint64>> m_arrivals; // [row][column]: order of the first live arrival, 0: none
    QHash<QString, int> m_rowById;
    QHash<QString, QList<int>> m_rowsBySender; // sender pane + room -> rows in send order
    QList<int> m_senderIndex; // [row]: position in its m_rowsBySender list
    QHash<QString, QList<Receipt>> m_orphans; // message id -> receipts that came before recordSent
    std::deque<std::pair<QString, qint64>> m_orphanOrder; // (id, first receipt time), oldest first
    QSet<QString> m_warnings; // warned ids whose row does not exist yet
    QSet<QString> m_nodesCutOff; // nodes hearing nothing from the backplane now
    QSet<QString> m_roomsCutOff; // rooms no node hears from the backplane now
    std::deque<QString> m_warningOrder; // bounds m_warnings, oldest first
    int m_awaiting = 0; // rows with awaitingNode set
    std::deque<int> m_unsettled; // rows whose grace period has not passed, oldest first
    std::array<DeliveryTotals, 3> m_totals; // per BackplaneMode, latencies excluded
    std::array<QList<qint64>, 3> m_latencies; // per BackplaneMode
    quint64 m_nextArrival = 1;
    QTimer m_timeoutTimer;
};

} // namespace farmchat
