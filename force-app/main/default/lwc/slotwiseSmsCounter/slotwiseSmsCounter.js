import { LightningElement, api } from 'lwc';
import { analyzeSms, UCS_2 } from 'c/slotwiseSmsMath';
import { formatLabel } from 'c/slotwiseUtils';
import CHARACTERS from '@salesforce/label/c.Slotwise_Sms_Characters';
import SEGMENTS from '@salesforce/label/c.Slotwise_Sms_Segments';
import UCS2_NOTE from '@salesforce/label/c.Slotwise_Sms_Ucs2_Note';

/**
 * The live length of an SMS: characters, encoding and segments (from c/slotwiseSmsMath).
 * Only the encoding/segments line is a live region, so screen readers hear when the cost of the
 * message changes, not every keystroke.
 */
export default class SlotwiseSmsCounter extends LightningElement {
  @api text;

  get analysis() {
    return analyzeSms(this.text);
  }

  get charactersText() {
    return formatLabel(CHARACTERS, this.analysis.characters);
  }

  get segmentsText() {
    const { encoding, segments, perSegment } = this.analysis;
    return formatLabel(SEGMENTS, encoding, segments, perSegment);
  }

  get isUcs2() {
    return this.analysis.encoding === UCS_2;
  }

  get ucs2Note() {
    return UCS2_NOTE;
  }
}
