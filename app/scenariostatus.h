#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace farmchat {

class ScenarioPlay;

// The status bar's part for a scenario played in the window: its name, a
// progress bar over its steps and a Stop button while it runs; its verdict
// once it ends. Hidden until a scenario is played.
class ScenarioStatus : public QWidget
{
    Q_OBJECT
public:
    explicit ScenarioStatus(QWidget *parent = nullptr);

    // Shows `play` from now on (null: hides).
    void follow(ScenarioPlay *play);
    QProgressBar *progressBar() const { return m_progress; }
    QPushButton *stopButton() const { return m_stop; }
    QString text() const;

private:
    void onProgress(int step, int steps);
    void onFinished(bool passed);

    QLabel *m_name;
    QProgressBar *m_progress;
    QPushButton *m_stop;
    ScenarioPlay *m_play = nullptr;
};

} // namespace farmchat
