#pragma once

#include "protocol/chatmessage.h"

#include <QAbstractListModel>
#include <QHash>
#include <QSet>
#include <QTimer>

#include <deque>

namespace farmchat {

// The messages one chat pane shows, oldest first, for a QListView and
// MessageDelegate. Bounded (the oldest rows go past `capacity`) and batched:
// append() queues and the rows are inserted together at most every
// kFlushMs, so thousands of messages a second cost a few model resets' worth
// of view work, not one layout per message.
class MessageListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    static constexpr int kDefaultCapacity = 2000;
    static constexpr int kFlushMs = 50;

    enum Role {
        FromRole = Qt::UserRole + 1, // sender name
        TextRole, // message text (plain text, never markup)
        NodeRole, // origin node id, e.g. "node-9090"
        ViaRole, // int(Via): how it reached this pane's node
        HistoryRole, // bool: first seen through a History catch-up
        WarningRole, // QString: the node's deliveryWarning, empty when none
        SentAtRole, // qint64 ms since the epoch on the origin node
        IdRole, // message id
        SerialRole, // quint64: stable per row, for caches keyed by row identity
        OwnRole, // bool: sent from this pane
        // QString: what happened to a message this pane sent that the node
        // has not answered yet ("sending…", "queued — waiting for Redis",
        // "✕ not sent: …"); empty once the node accepted it.
        StatusRole,
        FailedRole, // bool: the node refused it
        RoomRole, // QString: the room it was sent to
    };

    explicit MessageListModel(QObject *parent = nullptr);

    void setCapacity(int capacity);
    int capacity() const { return m_capacity; }

    // Queues a message; it shows at the next flush.
    void append(const ChatMessage &message, bool fromHistory, bool own);
    // Marks message `id` (shown or queued) with a delivery warning.
    void setWarning(const QString &id, const QString &text);
    // The sender's own message, shown at once under a local id with a status
    // while the node has not answered. The node's broadcast of the same text
    // (append() with own) takes the row over instead of adding one.
    void appendSending(const QString &localId, const ChatMessage &message, const QString &status);
    void setStatus(const QString &localId, const QString &status);
    // The node accepted it as `id`: the status goes, the row answers to `id`.
    void confirmSending(const QString &localId, const QString &id);
    // The node refused it: the row stays, marked failed with `error`.
    void failSending(const QString &localId, const QString &error);
    // Inserts what is queued now (tests and shutdown; normally the timer does it).
    void flush();
    void clear();

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    struct Entry
    {
        ChatMessage message;
        bool fromHistory = false;
        bool own = false;
        QString warning;
        quint64 serial = 0;
        QString status;
        bool failed = false;
    };
    Entry *find(const QString &id);
    void changed(const Entry &entry);
    void forget(const Entry &entry);

    std::deque<Entry> m_rows;
    std::deque<Entry> m_queued;
    QHash<QString, quint64> m_serialById; // shown or queued rows
    QList<QString> m_sending; // local ids of own rows the node has not answered, oldest first
    QSet<QString> m_adopted; // local ids whose broadcast arrived before the node's answer
    quint64 m_nextSerial = 1;
    quint64 m_firstSerial = 1; // serial of m_rows.front(), or of the next row when empty
    int m_capacity = kDefaultCapacity;
    QTimer m_flushTimer;
};

} // namespace farmchat
