#pragma once

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QHBoxLayout;
class QLabel;
class QLineEdit;
class QListView;

namespace farmchat {

class ElidedLabel;
class FarmWorkspace;
class MessageDelegate;
class PaneSession;
class RoomPicker;

// One chat pane: a real client of one node (or of the farm's load balancer,
// then the header names the node it landed on). Header with node name, port and
// a state light (green connected, amber connecting, orange disconnected), the
// pane's name, the message list (QListView + MessageDelegate over the
// session's MessageListModel), the room picker and an input line where Enter
// sends to the room picked. Shows a
// PaneSession of FarmWorkspace; owns no socket itself.
class ChatPane : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kNoteMs = 6000; // how long news under the input stays

    ChatPane(FarmWorkspace &workspace, int index, QWidget *parent = nullptr);
    ~ChatPane() override;

    int index() const { return m_index; }
    QLineEdit *input() const { return m_input; }
    RoomPicker *roomPicker() const { return m_room; }
    QLineEdit *nameEdit() const { return m_name; }
    QListView *messageView() const { return m_list; }
    // "connected", "connecting", "disconnected: <why> — reconnecting…"
    QString stateText() const;
    // The header's node: "node-9090  ·  port 9090", or behind a load
    // balancer the node it landed on ("node-9091  ·  via LB :PORT").
    QString titleText() const;
    // The note under the input ("" when hidden): a problem with a send, news.
    QString noteText() const;
    // The note right under the name field ("" when hidden): why a name was refused.
    QLabel *nameNote() const { return m_nameNote; }
    // What the pane says when a connect failed for want of a sticky session.
    static QString stickySessionAdvice();
    // Puts the keyboard focus on the input line.
    void focusInput();

private:
    void buildHeader();
    void buildMessageList();
    void wireSession();
    void updateState();
    void send();
    void showRoomTrouble();
    void showNote(const QString &text, bool error);
    void applyName();
    void fitHeader();
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

    FarmWorkspace &m_workspace;
    const int m_index;
    QPointer<PaneSession> m_session;
    QHBoxLayout *m_header = nullptr;
    QLabel *m_light = nullptr;
    ElidedLabel *m_title = nullptr;
    ElidedLabel *m_state = nullptr;
    QLineEdit *m_name = nullptr;
    QListView *m_list = nullptr;
    MessageDelegate *m_delegate = nullptr;
    QLineEdit *m_input = nullptr;
    RoomPicker *m_room = nullptr;
    QLabel *m_note = nullptr;
    QLabel *m_nameNote = nullptr; // under the name field: why the old name was kept
    QTimer m_noteTimer; // hides a note that is news, not a problem
    bool m_noteIsError = false;
};

} // namespace farmchat
