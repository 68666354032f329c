#pragma once

#include <QWidget>

class QAction;
class QCheckBox;
class QLabel;
class QPushButton;
class QScrollArea;

namespace farmchat {

class ElidedLabel;
class GuidedDemo;

// The "Guided demo" dock: the step the demo is on (its title and a few
// sentences), the verdict of the lesson, Back / Next and the auto-play
// toggle. It shows GuidedDemo and forwards the buttons to it; with no demo
// running, Next reads "Start" and triggers `start` (Ctrl+D).
class DemoPanel : public QWidget
{
    Q_OBJECT
public:
    DemoPanel(GuidedDemo &demo, QAction *start, QWidget *parent = nullptr);

    QString titleText() const;
    QString narrationText() const;
    QString verdictText() const;
    QString stateText() const;
    QLabel *titleLabel() const { return m_title; }
    QLabel *narrationLabel() const { return m_narration; }
    QLabel *verdictLabel() const { return m_verdict; }
    QPushButton *nextButton() const { return m_next; }
    QPushButton *backButton() const { return m_back; }
    QCheckBox *autoPlayBox() const { return m_autoPlay; }
    // The height that shows the whole step without scrolling, at the current width.
    int neededHeight() const;
    // Modest: the dock shares the bottom with the Faults dock, and long
    // narration must wrap rather than widen it.
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

private:
    void createLayout();
    void showStep(int step, int total, const QString &title, const QString &narration);
    void showIdle(const QString &why);
    void showEnd();
    void updateButtons();
    void showState(const QString &state);

    GuidedDemo &m_demo;
    QAction *m_start;
    QLabel *m_title;
    QLabel *m_narration;
    QLabel *m_verdict;
    ElidedLabel *m_state;
    QString m_counter; // "step 2 of 5" while the demo runs
    QScrollArea *m_scroll = nullptr;
    QPushButton *m_back;
    QPushButton *m_next;
    QCheckBox *m_autoPlay;
};

} // namespace farmchat
