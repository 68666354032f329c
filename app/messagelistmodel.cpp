#include "app/messagelistmodel.h"

#include "client/chatclient.h"

namespace farmchat {

MessageListModel::MessageListModel(QObject *parent) : QAbstractListModel(parent)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(kFlushMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &MessageListModel::flush);
}

void MessageListModel::setCapacity(int capacity)
{
    m_capacity = qMax(1, capacity);
    flush();
}

void MessageListModel::append(const ChatMessage &message, bool fromHistory, bool own)
{
    if (Entry *known = find(message.id)) {
        // The row of an own message the node already answered: now it is here.
        // The sender's pane has shown it since it was typed: whichever way it
        // comes back (History included), it is not news caught up.
        known->message = message;
        known->fromHistory = fromHistory && !known->own;
        changed(*known);
        return;
    }
    if (own) {
        // The broadcast can beat the node's answer: it takes over the oldest
        // unanswered row with the same text.
        for (const QString &localId : std::as_const(m_sending)) {
            Entry *pending = find(localId);
            if (!pending || pending->message.text != message.text || m_adopted.contains(localId))
                continue;
            pending->message = message;
            pending->fromHistory = false;
            pending->status.clear();
            m_serialById.insert(message.id, pending->serial);
            m_adopted.insert(localId);
            changed(*pending);
            return;
        }
    }
    Entry entry {message, fromHistory, own, {}, m_nextSerial++, {}, false};
    m_serialById.insert(message.id, entry.serial);
    m_queued.push_back(std::move(entry));
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

MessageListModel::Entry *MessageListModel::find(const QString &id)
{
    const auto it = m_serialById.constFind(id);
    if (it == m_serialById.cend() || *it < m_firstSerial)
        return nullptr;
    const quint64 offset = *it - m_firstSerial;
    if (offset < m_rows.size())
        return &m_rows[size_t(offset)];
    const quint64 queuedOffset = offset - m_rows.size();
    return queuedOffset < m_queued.size() ? &m_queued[size_t(queuedOffset)] : nullptr;
}

void MessageListModel::setWarning(const QString &id, const QString &text)
{
    Entry *entry = find(id);
    if (!entry)
        return;
    entry->warning = text;
    const quint64 offset = entry->serial - m_firstSerial;
    if (offset < m_rows.size()) {
        const QModelIndex at = index(int(offset));
        Q_EMIT dataChanged(at, at, {WarningRole});
    }
}

void MessageListModel::changed(const Entry &entry)
{
    const quint64 offset = entry.serial - m_firstSerial;
    if (offset < m_rows.size()) {
        const QModelIndex at = index(int(offset));
        Q_EMIT dataChanged(at, at);
    }
}

void MessageListModel::appendSending(
    const QString &localId, const ChatMessage &message, const QString &status)
{
    ChatMessage local = message;
    local.id = localId;
    Entry entry {local, false, true, {}, m_nextSerial++, status, false};
    m_serialById.insert(localId, entry.serial);
    m_sending.append(localId);
    m_queued.push_back(std::move(entry));
    // The sender sees their message now, not at the next batch.
    flush();
}

void MessageListModel::setStatus(const QString &localId, const QString &status)
{
    if (!m_sending.contains(localId) || m_adopted.contains(localId))
        return;
    if (Entry *entry = find(localId)) {
        entry->status = status;
        changed(*entry);
    }
}

void MessageListModel::confirmSending(const QString &localId, const QString &id)
{
    m_sending.removeOne(localId);
    const bool adopted = m_adopted.remove(localId);
    Entry *entry = find(localId);
    m_serialById.remove(localId);
    if (!entry)
        return;
    if (!adopted) {
        entry->message.id = id;
        m_serialById.insert(id, entry->serial);
    }
    entry->status.clear();
    changed(*entry);
}

void MessageListModel::failSending(const QString &localId, const QString &error)
{
    m_sending.removeOne(localId);
    m_adopted.remove(localId);
    if (Entry *entry = find(localId)) {
        entry->status = QStringLiteral("✕ not sent: ") + error;
        entry->failed = true;
        changed(*entry);
    }
}

void MessageListModel::forget(const Entry &entry)
{
    const auto it = m_serialById.constFind(entry.message.id);
    if (it != m_serialById.cend() && *it == entry.serial)
        m_serialById.erase(it);
}

void MessageListModel::flush()
{
    m_flushTimer.stop();
    const size_t total = m_rows.size() + m_queued.size();
    if (total > size_t(m_capacity)) {
        size_t excess = total - size_t(m_capacity);
        const size_t dropRows = qMin(excess, m_rows.size());
        if (dropRows > 0) {
            beginRemoveRows({}, 0, int(dropRows) - 1);
            for (size_t i = 0; i < dropRows; ++i) {
                forget(m_rows.front());
                m_rows.pop_front();
            }
            m_firstSerial += dropRows;
            endRemoveRows();
        }
        // Queued rows that would be dropped at once never enter the view.
        for (excess -= dropRows; excess > 0; --excess) {
            forget(m_queued.front());
            m_queued.pop_front();
        }
    }
    if (m_queued.empty())
        return;
    if (m_rows.empty())
        m_firstSerial = m_queued.front().serial;
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(m_queued.size()) - 1);
    for (Entry &entry : m_queued)
        m_rows.push_back(std::move(entry));
    m_queued.clear();
    endInsertRows();
}

void MessageListModel::clear()
{
    m_flushTimer.stop();
    beginResetModel();
    m_rows.clear();
    m_queued.clear();
    m_serialById.clear();
    m_sending.clear();
    m_adopted.clear();
    m_firstSerial = m_nextSerial;
    endResetModel();
}

int MessageListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MessageListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() < 0 || index.row() >= int(m_rows.size()))
        return {};
    const Entry &e = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return e.message.room == ChatClient::kLobby
            ? QStringLiteral("%1: %2").arg(e.message.from, e.message.text)
            : QStringLiteral("%1 #%2: %3").arg(e.message.from, e.message.room, e.message.text);
    case Qt::ToolTipRole:
        return QStringLiteral("%1 from %2 via %3%4%5")
            .arg(e.status.isEmpty() ? e.message.id : e.status, e.message.node,
                viaName(e.message.via),
                e.fromHistory ? QStringLiteral(" (caught up from History)") : QString(),
                e.warning.isEmpty() ? QString() : QStringLiteral("\nwarning: ") + e.warning);
    case FromRole:
        return e.message.from;
    case TextRole:
        return e.message.text;
    case NodeRole:
        return e.message.node;
    case ViaRole:
        return int(e.message.via);
    case HistoryRole:
        return e.fromHistory;
    case WarningRole:
        return e.warning;
    case SentAtRole:
        return e.message.sentAt;
    case IdRole:
        return e.message.id;
    case SerialRole:
        return e.serial;
    case OwnRole:
        return e.own;
    case StatusRole:
        return e.status;
    case FailedRole:
        return e.failed;
    case RoomRole:
        return e.message.room;
    default:
        return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    auto names = QAbstractListModel::roleNames();
    names.insert(FromRole, "from");
    names.insert(TextRole, "text");
    names.insert(NodeRole, "node");
    names.insert(ViaRole, "via");
    names.insert(HistoryRole, "fromHistory");
    names.insert(WarningRole, "warning");
    names.insert(SentAtRole, "sentAt");
    names.insert(IdRole, "id");
    names.insert(SerialRole, "serial");
    names.insert(OwnRole, "own");
    names.insert(StatusRole, "status");
    names.insert(FailedRole, "failed");
    names.insert(RoomRole, "room");
    return names;
}

} // namespace farmchat
