#include "app/roompicker.h"

#include "app/farmrooms.h"
#include "app/nodepalette_p.h"
#include "client/chatclient.h"
#include "launcher/farmsupervisor.h"

#include <QEvent>

namespace farmchat {

RoomPicker::RoomPicker(const FarmRooms &rooms, const FarmSupervisor &farm, QWidget *parent)
    : QComboBox(parent), m_rooms(rooms), m_farm(farm)
{
    setEditable(true);
    setInsertPolicy(QComboBox::NoInsert); // FarmRooms keeps the rooms in use
    setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    setMinimumContentsLength(7);
    setAccessibleName(tr("Room"));
    setToolTip(tr("The room this pane sends to. Type a new one to open it: every pane joins "
                  "it. On a Redis Cluster each room lives on one shard."));
    connect(&m_rooms, &FarmRooms::changed, this, &RoomPicker::refresh);
    connect(&m_farm, &FarmSupervisor::processChanged, this, &RoomPicker::refresh);
    connect(&m_farm, &FarmSupervisor::stateChanged, this, &RoomPicker::refresh);
    connect(this, &QComboBox::currentTextChanged, this, [this] {
        m_trouble = trouble();
        Q_EMIT roomStateChanged();
    });
    refresh();
}

QString RoomPicker::labelFor(const QString &room) const
{
    const int shard = m_rooms.shardOf(room);
    if (shard < 0)
        return room;
    const QString mark = m_rooms.shardTrouble(room).isEmpty() ? QString() : QStringLiteral("✕ ");
    return QStringLiteral("%1%2 · S%3").arg(mark, room).arg(shard + 1);
}

QString RoomPicker::room() const
{
    const QString text = currentText().trimmed();
    for (int i = 0; i < count(); ++i) {
        if (itemText(i) == text)
            return itemData(i).toString();
    }
    return text.isEmpty() ? ChatClient::kLobby : text;
}

QString RoomPicker::trouble() const
{
    return m_rooms.shardTrouble(room());
}

void RoomPicker::refresh()
{
    const QString chosen = room();
    QStringList names = m_rooms.names();
    for (const QString &suggestion : FarmRooms::suggestions()) {
        if (!names.contains(suggestion))
            names << suggestion;
    }
    const bool dark = nodepalette::isDark(palette());
    {
        // Rebuilt quietly: only the end result is news (a blocker for the
        // whole function would swallow roomStateChanged below).
        const QSignalBlocker quiet(this);
        clear();
        for (const QString &name : names) {
            addItem(labelFor(name), name);
            const QString why = m_rooms.shardTrouble(name);
            if (!why.isEmpty()) {
                setItemData(count() - 1, nodepalette::bad(dark), Qt::ForegroundRole);
                setItemData(count() - 1, why, Qt::ToolTipRole);
            }
        }
        const int at = findData(chosen);
        if (at >= 0)
            setCurrentIndex(at);
        else
            setEditText(chosen);
    }
    // A shard going down changes nothing the user typed: say it all the same.
    if (const QString now = trouble(); now != m_trouble) {
        m_trouble = now;
        Q_EMIT roomStateChanged();
    }
}

void RoomPicker::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        refresh();
    QComboBox::changeEvent(event);
}

} // namespace farmchat
