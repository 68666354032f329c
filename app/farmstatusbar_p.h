#pragma once

#include <QHash>
#include <QStatusBar>
#include <QTimer>

class QLabel;

namespace farmchat {

class FarmWorkspace;

// The window's status bar: farm state (nodes, mode), Redis state and the
// messages/s arriving in the panes, refreshed twice a second and on every
// farm state change; the left part carries transient messages (the guided
// demo's narration, switch results).
class FarmStatusBar : public QStatusBar
{
    Q_OBJECT
public:
    static constexpr int kRefreshMs = 500;
    static constexpr int kFailureMessageMs = 10000;
    static constexpr int kBackMessageMs = 5000;

    explicit FarmStatusBar(FarmWorkspace &workspace, QWidget *parent = nullptr);

    QString farmText() const;
    QString redisText() const;
    QString rateText() const;

public Q_SLOTS:
    void refresh();

private:
    void sayWhatFailed(int index);

    FarmWorkspace &m_workspace;
    QHash<QString, bool> m_wasLive; // process name -> live at its last change
    QLabel *m_farm;
    QLabel *m_redis;
    QLabel *m_rate;
    QTimer m_timer;
};

} // namespace farmchat
