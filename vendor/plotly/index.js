// The site's partial plotly.js: core (which always holds scatter, error bars, shapes and annotations) plus
// exactly the other trace types the site's figures use. Add a trace here before a figure uses it.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scatter'),
    require('plotly.js/lib/choropleth'),
]);

module.exports = Plotly;
