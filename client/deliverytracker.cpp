#include "client/deliverytracker.h"

#include <QDateTime>

#include <algorithm>
#include <cmath>

namespace farmchat {

namespace {

// Receipts for ids nobody recorded as sent (another client's messages) are
// kept this long and at most this many, then forgotten.
constexpr qint64 kOrphanLifetimeMs = 60000;
constexpr qsizetype kMaxOrphanIds = 10000;
// Reordering is looked for among this many neighbouring messages of a sender.
constexpr int kOrderWindow = 256;

// Nearest-rank percentile: the smallest value with at least p of all values
// at or below it.
qint64 percentile(QList<qint64> values, double p)
{
    if (values.isEmpty())
        return -1;
    const auto rank = qsizetype(std::ceil(p * double(values.size())));
    const qsizetype index = std::clamp<qsizetype>(rank - 1, 0, values.size() - 1);
    std::nth_element(values.begin(), values.begin() + index, values.end());
    return values.at(index);
}

} // namespace

QString deliveryStateName(DeliveryState state)
{
    switch (state) {
    case DeliveryState::Pending:
        return QStringLiteral("pending");
    case DeliveryState::Delivered:
        return QStringLiteral("delivered");
    case DeliveryState::Missing:
        return QStringLiteral("missing");
    case DeliveryState::Duplicated:
        return QStringLiteral("duplicated");
    case DeliveryState::Late:
        return QStringLiteral("late");
    case DeliveryState::OutOfOrder:
        return QStringLiteral("out-of-order");
    case DeliveryState::NotExpected:
        return QStringLiteral("not-expected");
    case DeliveryState::Unexpected:
        return QStringLiteral("unexpected");
    }
    return {};
}

DeliveryTracker::DeliveryTracker(QObject *parent)
    : QObject(parent), m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    m_timeoutTimer.setSingleShot(true);
    connect(&m_timeoutTimer, &QTimer::timeout, this, &DeliveryTracker::updateTimeouts);
}

DeliveryTracker::~DeliveryTracker() = default;

void DeliveryTracker::setGracePeriodMs(int ms)
{
    m_graceMs = qMax(0, ms);
    scheduleTimeouts();
}

void DeliveryTracker::setClock(Clock clock)
{
    m_clock = std::move(clock);
}

int DeliveryTracker::addPane(const QString &paneId, const QString &nodeId, const QStringList &rooms)
{
    if (const int existing = columnOf(paneId); existing >= 0)
        return existing;
    const int column = int(m_panes.size());
    m_panes.append(DeliveryPane {paneId, nodeId, QSet<QString>(rooms.cbegin(), rooms.cend())});
    m_columnById.insert(paneId, column);
    for (qsizetype r = 0; r < m_rows.size(); ++r) {
        m_rows[r].cells.append(DeliveryCell {}); // did not exist when the message was sent
        m_arrivals[r].append(0);
    }
    Q_EMIT paneAdded(column);
    return column;
}

void DeliveryTracker::setPaneRooms(const QString &paneId, const QStringList &rooms)
{
    if (const int column = columnOf(paneId); column >= 0)
        m_panes[column].rooms = QSet<QString>(rooms.cbegin(), rooms.cend());
}

void DeliveryTracker::setPaneNode(const QString &paneId, const QString &nodeId)
{
    if (const int column = columnOf(paneId); column >= 0)
        m_panes[column].nodeId = nodeId;
}

void DeliveryTracker::setPaneConnected(const QString &paneId, bool connected)
{
    if (const int column = columnOf(paneId); column >= 0)
        m_panes[column].connected = connected;
}

void DeliveryTracker::setNodeCutOff(const QString &nodeId, bool cutOff)
{
    if (cutOff)
        m_nodesCutOff.insert(nodeId);
    else
        m_nodesCutOff.remove(nodeId);
}

void DeliveryTracker::setRoomCutOff(const QString &room, bool cutOff)
{
    if (cutOff)
        m_roomsCutOff.insert(room);
    else
        m_roomsCutOff.remove(room);
}

QString DeliveryTracker::senderKey(const SentMessage &message)
{
    return message.senderPane + QChar(0x1f) + message.room;
}

int DeliveryTracker::recordSending(const SentMessage &message)
{
    return addRow(message, true);
}

int DeliveryTracker::recordSent(const SentMessage &message)
{
    return addRow(message, false);
}

bool DeliveryTracker::confirmSent(const QString &localId, const QString &id)
{
    const int index = rowOf(localId);
    if (index < 0 || id.isEmpty() || !m_rows[index].awaitingNode || m_rowById.contains(id))
        return false;
    DeliveryRow &row = m_rows[index];
    addToTotals(row, -1);
    m_rowById.remove(localId);
    m_rowById.insert(id, index);
    row.message.id = id;
    row.awaitingNode = false;
    --m_awaiting;
    row.warned = m_warnings.remove(id);
    const QList<Receipt> early = m_orphans.take(id);
    for (const Receipt &receipt : early)
        applyReceipt(index, receipt, false);
    const qint64 now = m_clock();
    for (int column = 0; column < row.cells.size(); ++column)
        refreshCell(index, column, now);
    refreshRow(index);
    addToTotals(row, +1);
    m_unsettled.push_back(index);
    Q_EMIT rowChanged(index);
    Q_EMIT totalsChanged();
    scheduleTimeouts();
    return true;
}

bool DeliveryTracker::refuseSent(const QString &localId)
{
    const int index = rowOf(localId);
    if (index < 0 || !m_rows[index].awaitingNode)
        return false;
    DeliveryRow &row = m_rows[index];
    addToTotals(row, -1);
    row.awaitingNode = false;
    --m_awaiting;
    row.refused = true;
    const qint64 now = m_clock();
    for (int column = 0; column < row.cells.size(); ++column) {
        row.cells[column].expected = false;
        refreshCell(index, column, now);
    }
    refreshRow(index);
    Q_EMIT rowChanged(index);
    Q_EMIT totalsChanged();
    if (isSettled())
        Q_EMIT settled();
    return true;
}

void DeliveryTracker::recordWarning(const QString &id)
{
    if (const int row = rowOf(id); row >= 0) {
        m_rows[row].warned = true;
        Q_EMIT rowChanged(row);
        Q_EMIT totalsChanged();
        return;
    }
    if (m_warnings.contains(id))
        return;
    m_warnings.insert(id);
    m_warningOrder.push_back(id);
    while (qsizetype(m_warningOrder.size()) > kMaxOrphanIds) {
        m_warnings.remove(m_warningOrder.front());
        m_warningOrder.pop_front();
    }
}

int DeliveryTracker::addRow(const SentMessage &message, bool awaitingNode)
{
    if (message.id.isEmpty() || m_rowById.contains(message.id))
        return -1;
    const qint64 now = m_clock();
    DeliveryRow row;
    row.message = message;
    row.awaitingNode = awaitingNode;
    row.warned = m_warnings.remove(message.id);
    if (awaitingNode)
        row.localId = message.id;
    for (const DeliveryPane &pane : std::as_const(m_panes)) {
        DeliveryCell cell;
        const bool inRoom = pane.rooms.contains(message.room);
        cell.expected
            = inRoom && (message.mode != BackplaneMode::Off || pane.nodeId == message.originNode);
        cell.paneAway = !pane.connected || m_nodesCutOff.contains(pane.nodeId)
            || m_roomsCutOff.contains(message.room);
        cell.state = awaitingNode && cell.expected
            ? DeliveryState::Pending
            : stateOf(cell, message.sentAtMs, now, m_graceMs);
        row.cells.append(cell);
    }
    const int index = int(m_rows.size());
    m_rows.append(std::move(row));
    m_arrivals.append(QList<quint64>(m_panes.size(), 0));
    m_rowById.insert(message.id, index);
    QList<int> &sent = m_rowsBySender[senderKey(message)];
    m_senderIndex.append(int(sent.size()));
    sent.append(index);
    if (awaitingNode) {
        ++m_awaiting;
        // Settled only once the node answers; its receipts wait under the node's id.
        refreshRow(index);
        addToTotals(m_rows[index], +1);
        Q_EMIT rowAdded(index);
        Q_EMIT totalsChanged();
        return index;
    }
    m_unsettled.push_back(index);
    // Receipts that beat the Completion, in the order they came.
    const QList<Receipt> early = m_orphans.take(message.id);
    for (const Receipt &receipt : early)
        applyReceipt(index, receipt, false); // rowAdded() tells about these cells
    refreshRow(index);
    addToTotals(m_rows[index], +1);
    Q_EMIT rowAdded(index);
    Q_EMIT totalsChanged();
    scheduleTimeouts();
    return index;
}

bool DeliveryTracker::recordReceived(
    const QString &paneId, const ChatMessage &message, qint64 receivedAtMs, bool fromHistory)
{
    const int column = columnOf(paneId);
    if (column < 0)
        return false;
    const Receipt receipt {column, receivedAtMs, fromHistory, m_nextArrival++};
    const int row = rowOf(message.id);
    if (row < 0) {
        dropOrphans(m_clock());
        auto it = m_orphans.find(message.id);
        if (it == m_orphans.end()) {
            it = m_orphans.insert(message.id, {});
            m_orphanOrder.emplace_back(message.id, receivedAtMs);
        }
        it->append(receipt);
        return true;
    }
    addToTotals(m_rows[row], -1);
    applyReceipt(row, receipt, true);
    refreshRow(row);
    addToTotals(m_rows[row], +1);
    Q_EMIT totalsChanged();
    return true;
}

void DeliveryTracker::applyReceipt(int row, const Receipt &receipt, bool notify)
{
    DeliveryRow &r = m_rows[row];
    if (receipt.column >= r.cells.size())
        return;
    DeliveryCell &cell = r.cells[receipt.column];
    ++cell.receipts;
    if (cell.receipts == 1) {
        cell.latencyMs = qMax<qint64>(0, receipt.receivedAtMs - r.message.sentAtMs);
        cell.viaHistory = receipt.fromHistory;
        if (!receipt.fromHistory) {
            m_arrivals[row][receipt.column] = receipt.arrival;
            if (cell.expected)
                m_latencies[int(r.message.mode)].append(cell.latencyMs);
            checkOrder(row, receipt.column);
        }
    }
    refreshCell(row, receipt.column, m_clock(), notify);
}

// A message is out of order in a pane when it arrived there before an earlier
// message of the same sender and room. Either of the two may be the one that
// is being recorded now, so look both ways.
void DeliveryTracker::checkOrder(int row, int column)
{
    const QList<int> &sent = m_rowsBySender.value(senderKey(m_rows[row].message));
    const int position = m_senderIndex[row];
    const quint64 arrival = m_arrivals[row][column];
    const qint64 now = m_clock();
    for (int j = position + 1; j < sent.size() && j <= position + kOrderWindow; ++j) {
        const int later = sent[j];
        const quint64 laterArrival = m_arrivals[later].value(column);
        if (laterArrival != 0 && laterArrival < arrival
            && !m_rows[later].cells[column].outOfOrder) {
            addToTotals(m_rows[later], -1);
            m_rows[later].cells[column].outOfOrder = true;
            refreshCell(later, column, now);
            refreshRow(later);
            addToTotals(m_rows[later], +1);
        }
    }
    for (int j = position - 1; j >= 0 && j >= position - kOrderWindow; --j) {
        const quint64 earlierArrival = m_arrivals[sent[j]].value(column);
        if (earlierArrival > arrival) {
            m_rows[row].cells[column].outOfOrder = true;
            break;
        }
    }
}

DeliveryState DeliveryTracker::stateOf(
    const DeliveryCell &cell, qint64 sentAtMs, qint64 now, int graceMs)
{
    if (cell.receipts == 0) {
        if (!cell.expected)
            return DeliveryState::NotExpected;
        return now - sentAtMs >= graceMs ? DeliveryState::Missing : DeliveryState::Pending;
    }
    if (!cell.expected)
        return DeliveryState::Unexpected;
    if (cell.receipts > 1)
        return DeliveryState::Duplicated;
    if (cell.viaHistory || cell.latencyMs > graceMs)
        return DeliveryState::Late;
    if (cell.outOfOrder)
        return DeliveryState::OutOfOrder;
    return DeliveryState::Delivered;
}

void DeliveryTracker::refreshCell(int row, int column, qint64 now, bool notify)
{
    DeliveryCell &cell = m_rows[row].cells[column];
    const DeliveryState state = m_rows[row].awaitingNode && cell.expected
        ? DeliveryState::Pending
        : stateOf(cell, m_rows[row].message.sentAtMs, now, m_graceMs);
    cell.state = state;
    // Receipts change a cell even when its state stays (a third copy).
    if (notify)
        Q_EMIT cellChanged(row, column);
}

void DeliveryTracker::refreshRow(int row)
{
    DeliveryRow &r = m_rows[row];
    bool matches = !r.awaitingNode && !r.refused;
    for (const DeliveryCell &cell : std::as_const(r.cells)) {
        if (cell.expected ? cell.state != DeliveryState::Delivered : cell.receipts > 0) {
            matches = false;
            break;
        }
    }
    r.matchesPromise = matches;
}

void DeliveryTracker::addToTotals(const DeliveryRow &row, int sign)
{
    DeliveryTotals &t = m_totals[int(row.message.mode)];
    t.messages += sign;
    t.matching += row.matchesPromise ? sign : 0;
    for (const DeliveryCell &cell : row.cells) {
        switch (cell.state) {
        case DeliveryState::Pending:
            t.pending += sign;
            break;
        case DeliveryState::Delivered:
            t.delivered += sign;
            break;
        case DeliveryState::Missing:
            t.missing += sign;
            break;
        case DeliveryState::Duplicated:
            t.duplicated += sign;
            break;
        case DeliveryState::Late:
            t.late += sign;
            break;
        case DeliveryState::OutOfOrder:
            t.outOfOrder += sign;
            break;
        case DeliveryState::Unexpected:
            t.unexpected += sign;
            break;
        case DeliveryState::NotExpected:
            break;
        }
    }
}

DeliveryTotals DeliveryTracker::totals(BackplaneMode mode) const
{
    DeliveryTotals t = m_totals[int(mode)];
    t.p50LatencyMs = percentile(m_latencies[int(mode)], 0.50);
    t.p99LatencyMs = percentile(m_latencies[int(mode)], 0.99);
    return t;
}

void DeliveryTracker::updateTimeouts()
{
    const qint64 now = m_clock();
    bool changed = false;
    // Rows are settled in send order; a row sent with an older timestamp than
    // its predecessor waits for it, which only delays the verdict.
    while (
        !m_unsettled.empty() && now - m_rows[m_unsettled.front()].message.sentAtMs >= m_graceMs) {
        const int row = m_unsettled.front();
        m_unsettled.pop_front();
        DeliveryRow &r = m_rows[row];
        addToTotals(r, -1);
        for (int column = 0; column < r.cells.size(); ++column) {
            if (r.cells[column].state == DeliveryState::Pending)
                refreshCell(row, column, now);
        }
        refreshRow(row);
        addToTotals(r, +1);
        changed = true;
    }
    dropOrphans(now);
    if (changed)
        Q_EMIT totalsChanged();
    if (changed && isSettled())
        Q_EMIT settled();
    scheduleTimeouts();
}

void DeliveryTracker::scheduleTimeouts()
{
    if (m_unsettled.empty()) {
        m_timeoutTimer.stop();
        return;
    }
    const qint64 due = m_rows[m_unsettled.front()].message.sentAtMs + m_graceMs - m_clock();
    m_timeoutTimer.start(int(std::clamp<qint64>(due, 0, m_graceMs)));
}

void DeliveryTracker::dropOrphans(qint64 now)
{
    while (!m_orphanOrder.empty()
        && (qsizetype(m_orphanOrder.size()) > kMaxOrphanIds
            || now - m_orphanOrder.front().second > kOrphanLifetimeMs)) {
        m_orphans.remove(m_orphanOrder.front().first);
        m_orphanOrder.pop_front();
    }
}

void DeliveryTracker::clear()
{
    m_panes.clear();
    m_columnById.clear();
    m_rows.clear();
    m_arrivals.clear();
    m_rowById.clear();
    m_rowsBySender.clear();
    m_senderIndex.clear();
    m_orphans.clear();
    m_orphanOrder.clear();
    m_warnings.clear();
    m_warningOrder.clear();
    m_nodesCutOff.clear();
    m_roomsCutOff.clear();
    m_unsettled.clear();
    m_awaiting = 0;
    m_totals = {};
    m_latencies = {};
    m_nextArrival = 1;
    m_timeoutTimer.stop();
    Q_EMIT cleared();
    Q_EMIT totalsChanged();
}

} // namespace farmchat
