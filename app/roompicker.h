#pragma once

#include <QComboBox>

namespace farmchat {

class FarmRooms;
class FarmSupervisor;

// The room a pane sends to: an editable list of the rooms in use and a few
// suggestions (FarmRooms). On a Redis Cluster farm each room shows its shard
// ("dev · S2"), and a room whose shard is down is marked: "✕", the warning
// colour, and a tooltip saying its messages reach only the sender's node.
class RoomPicker : public QComboBox
{
    Q_OBJECT
public:
    RoomPicker(const FarmRooms &rooms, const FarmSupervisor &farm, QWidget *parent = nullptr);

    // The room chosen or typed, trimmed; the lobby when empty.
    QString room() const;
    // What a user reads for `room` in the list.
    QString labelFor(const QString &room) const;
    // Why messages to the chosen room cannot cross nodes now; empty when they can.
    QString trouble() const;

Q_SIGNALS:
    // The chosen room changed, or its shard went down or came back.
    void roomStateChanged();

private:
    void refresh();
    void changeEvent(QEvent *event) override;

    const FarmRooms &m_rooms;
    const FarmSupervisor &m_farm;
    QString m_trouble; // trouble() when the picker last said so
};

} // namespace farmchat
